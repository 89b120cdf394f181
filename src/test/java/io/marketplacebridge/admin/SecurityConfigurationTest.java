package io.marketplacebridge.admin;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.security.servlet.SecurityAutoConfiguration;
import org.springframework.boot.autoconfigure.web.servlet.WebMvcAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.core.userdetails.UserDetailsService;

/** The operator credentials: the bridge does not start without them, and they are the only user there is. */
class SecurityConfigurationTest {

    private final WebApplicationContextRunner bridge = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(WebMvcAutoConfiguration.class, SecurityAutoConfiguration.class))
            .withUserConfiguration(AdminSettings.class, SecurityConfiguration.class);

    @Test
    void refusesToStartWithoutAdminCredentials() {
        bridge.run(context -> assertThat(context).hasFailed()
                .getFailure().rootCause().hasMessageContaining("Set bridge.admin.username and bridge.admin.password"));
    }

    @Test
    void refusesToStartWithABlankPassword() {
        bridge.withPropertyValues("bridge.admin.username=operator", "bridge.admin.password= ")
                .run(context -> assertThat(context).hasFailed()
                        .getFailure().rootCause().hasMessageContaining("bridge.admin.password"));
    }

    @Test
    void theConfiguredOperatorIsAnAdmin() {
        bridge.withPropertyValues("bridge.admin.username=operator", "bridge.admin.password=s3cret")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(UserDetailsService.class).loadUserByUsername("operator").getAuthorities())
                            .extracting(Object::toString).containsExactly("ROLE_ADMIN");
                });
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(AdminProperties.class)
    static class AdminSettings {
    }
}
