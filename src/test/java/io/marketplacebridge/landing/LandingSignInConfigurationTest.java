package io.marketplacebridge.landing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.security.servlet.SecurityAutoConfiguration;
import org.springframework.boot.autoconfigure.web.servlet.WebMvcAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

/** The landing page's sign-in setting: Entra ID needs its app registration to start; {@code none} needs nothing. */
class LandingSignInConfigurationTest {

    private final WebApplicationContextRunner bridge = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(WebMvcAutoConfiguration.class, SecurityAutoConfiguration.class))
            .withUserConfiguration(Settings.class, LandingPage.class, LandingSignInConfiguration.class)
            .withPropertyValues("bridge.landing.authority-url=https://login.microsoftonline.com/common/v2.0",
                    "bridge.landing.redirect-uri={baseUrl}/login/oauth2/code/entra", "bridge.landing.sign-in-timeout=10s");

    @Test
    void entraSignInWithoutItsAppRegistrationRefusesToStartAndNamesTheVariables() {
        bridge.withPropertyValues("bridge.landing.sign-in=entra", "bridge.landing.client-secret=s3cret")
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("Set bridge.landing.client-id and bridge.landing.client-secret")
                        .hasMessageContaining("BRIDGE_LANDING_CLIENT_ID, BRIDGE_LANDING_CLIENT_SECRET"));
        bridge.withPropertyValues("bridge.landing.sign-in=entra", "bridge.landing.client-id=9b3c1a2e-0000-4000-8000-1a2d0c11e0e1")
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("BRIDGE_LANDING_CLIENT_SECRET"));
    }

    @Test
    void entraSignInWithItsAppRegistrationStartsWithoutReachingMicrosoft() {
        bridge.withPropertyValues("bridge.landing.sign-in=entra", "bridge.landing.client-id=9b3c1a2e-0000-4000-8000-1a2d0c11e0e1",
                        "bridge.landing.client-secret=s3cret", "bridge.landing.authority-url=http://localhost:1/common/v2.0")
                .run(context -> assertThat(context).hasNotFailed().hasBean("landingSignIn"));
    }

    @Test
    void noSignInNeedsNoAppRegistrationAndHasNoSignInChain() {
        bridge.withPropertyValues("bridge.landing.sign-in=none")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean("landingSignIn")
                        .doesNotHaveBean(EntraClientRegistrations.class));
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(LandingProperties.class)
    static class Settings {
    }
}
