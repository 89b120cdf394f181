package io.marketplacebridge.admin;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.jackson.JacksonAutoConfiguration;
import org.springframework.boot.autoconfigure.security.servlet.SecurityAutoConfiguration;
import org.springframework.boot.autoconfigure.web.servlet.WebMvcAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.crypto.password.PasswordEncoder;

/**
 * The operator's and the integration's credentials: the bridge does not start without both, they never share a
 * name, and they are the only users there are.
 */
class SecurityConfigurationTest {

    private static final String[] INTEGRATION = {"bridge.integration.username=provisioning", "bridge.integration.password=1nt3gr"};
    private static final String[] OPERATOR = {"bridge.admin.username=operator", "bridge.admin.password=s3cret"};

    private final WebApplicationContextRunner bridge = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(JacksonAutoConfiguration.class, WebMvcAutoConfiguration.class,
                    SecurityAutoConfiguration.class))
            .withUserConfiguration(Settings.class, SecurityConfiguration.class);

    @Test
    void refusesToStartWithoutAdminCredentials() {
        bridge.withPropertyValues(INTEGRATION)
                .run(context -> assertThat(context).hasFailed()
                        .getFailure().rootCause().hasMessageContaining("Set bridge.admin.username and bridge.admin.password"));
    }

    @Test
    void refusesToStartWithoutIntegrationCredentialsAndNamesTheirVariables() {
        bridge.withPropertyValues(OPERATOR)
                .run(context -> assertThat(context).hasFailed()
                        .getFailure().rootCause().hasMessageContaining("Set bridge.integration.username and bridge.integration.password")
                        .hasMessageContaining("BRIDGE_INTEGRATION_USERNAME, BRIDGE_INTEGRATION_PASSWORD"));
    }

    @Test
    void refusesToStartWithABlankPassword() {
        bridge.withPropertyValues(INTEGRATION).withPropertyValues("bridge.admin.username=operator", "bridge.admin.password= ")
                .run(context -> assertThat(context).hasFailed()
                        .getFailure().rootCause().hasMessageContaining("bridge.admin.password"));
        bridge.withPropertyValues(OPERATOR).withPropertyValues("bridge.integration.username=provisioning", "bridge.integration.password= ")
                .run(context -> assertThat(context).hasFailed()
                        .getFailure().rootCause().hasMessageContaining("bridge.integration.password"));
    }

    @Test
    void refusesToStartWhenTheIntegrationHasTheOperatorsName() {
        bridge.withPropertyValues(OPERATOR).withPropertyValues("bridge.integration.username=operator", "bridge.integration.password=other")
                .run(context -> assertThat(context).hasFailed()
                        .getFailure().rootCause().hasMessageContaining("bridge.integration.username must differ from bridge.admin.username"));
    }

    @Test
    void theOperatorIsAnAdminAndTheIntegrationAnIntegration() {
        bridge.withPropertyValues(OPERATOR).withPropertyValues(INTEGRATION)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    UserDetailsService users = context.getBean(UserDetailsService.class);
                    assertThat(users.loadUserByUsername("operator").getAuthorities())
                            .extracting(Object::toString).containsExactly("ROLE_ADMIN");
                    assertThat(users.loadUserByUsername("provisioning").getAuthorities())
                            .extracting(Object::toString).containsExactly("ROLE_INTEGRATION");
                });
    }

    @Test
    void passwordsAreCheckedAgainstADigestInsteadOfBcrypt() {
        bridge.withPropertyValues(OPERATOR).withPropertyValues(INTEGRATION)
                .run(context -> {
                    UserDetails operator = context.getBean(UserDetailsService.class).loadUserByUsername("operator");
                    PasswordEncoder passwords = context.getBean(PasswordEncoder.class);

                    assertThat(operator.getPassword()).doesNotContain("bcrypt", "s3cret").hasSize(64);
                    assertThat(passwords.matches("s3cret", operator.getPassword())).isTrue();
                    assertThat(passwords.matches("s3cret ", operator.getPassword())).isFalse();
                    assertThat(passwords.matches("1nt3gr", operator.getPassword())).isFalse();
                });
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties({AdminProperties.class, IntegrationProperties.class})
    static class Settings {
    }
}
