package io.marketplacebridge.sandbox;

import io.marketplacebridge.marketplace.MarketplaceProperties;
import java.util.List;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Profile;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * The sandbox's one entry point: nothing of the sandbox exists without the {@code sandbox} profile. The application
 * does not scan this package (MarketplaceBridgeApplication); it imports this class, which the profile guards, and
 * this class imports the simulator, its page, the recording endpoints and the webhook sender. It also adds the
 * Fulfillment API gate, and a security chain of its own for {@code /sandbox/**}: the simulator checks its own bearer
 * token and the page holds fake data only, so no filter of the bridge's chain (HTTP Basic, a bearer-token filter for
 * the webhook) may answer for it. Without the profile, every {@code /sandbox} path is 404 (SecurityConfiguration).
 */
@Configuration(proxyBeanMethods = false)
@Profile("sandbox")
@Import({SandboxMarketplace.class, SandboxEntraId.class, SandboxWebhookSender.class, DeliveryRecorder.class,
        SandboxController.class, SandboxWebhooks.class, MarketplaceSimulatorController.class, RecorderController.class,
        SandboxErrors.FulfillmentApiErrors.class, SandboxErrors.SandboxApiErrors.class,
        SandboxMetering.class, SandboxMeteringController.class})
public class SandboxConfiguration implements WebMvcConfigurer {

    private final MarketplaceProperties marketplace;

    /**
     * The bridge calls the sandbox over HTTP at the URLs of application-sandbox.yaml, built from
     * {@code server.port}. With port 0 (a random port) those URLs lead nowhere, so refuse to start.
     */
    SandboxConfiguration(MarketplaceProperties marketplace,
            @Value("${bridge.provisioning.url:}") String provisioningUrl,
            @Value("${bridge.billing.url:}") String billingUrl,
            @Value("${bridge.crm.url:}") String crmUrl) {
        this.marketplace = marketplace;
        for (String url : List.of(marketplace.apiUrl().toString(), provisioningUrl, billingUrl, crmUrl)) {
            if (url.matches("https?://[^/]+:0(/.*)?")) {
                throw new IllegalStateException("The sandbox calls itself at " + url + ": port 0 leads nowhere. Run the"
                        + " sandbox on a fixed server.port (tests: pick a free port and use DEFINED_PORT).");
            }
        }
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(new MarketplaceSimulatorGate(marketplace))
                .addPathPatterns(MarketplaceSimulatorController.BASE_PATH + "/**");
    }

    @Bean
    @Order(Ordered.HIGHEST_PRECEDENCE)
    SecurityFilterChain sandboxSecurity(HttpSecurity http) throws Exception {
        return http.securityMatcher("/sandbox", "/sandbox/**")
                .authorizeHttpRequests(auth -> auth.anyRequest().permitAll())
                .csrf(csrf -> csrf.disable())
                .sessionManagement(session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .build();
    }
}
