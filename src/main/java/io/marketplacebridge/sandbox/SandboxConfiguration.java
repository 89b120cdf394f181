package io.marketplacebridge.sandbox;

import static io.marketplacebridge.admin.SecurityConfiguration.headersFirst;

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

/**
 * The sandbox's one entry point: nothing of the sandbox exists without the {@code sandbox} profile. The application
 * does not scan this package (MarketplaceBridgeApplication); it imports this class, which the profile guards, and
 * this class imports the simulator ({@link MarketplaceSimulator}: the marketplace, the recording endpoints, the
 * webhook sender) and the sandbox page, all set up by application-sandbox.yaml to play Microsoft and the publisher's
 * systems for this very bridge. It also adds a security chain of its own for {@code /sandbox/**}: the simulator checks
 * its own bearer token and the page holds fake data only, so no filter of the bridge's chain (HTTP Basic, a
 * bearer-token filter for the webhook) may answer for it. Without the profile, every {@code /sandbox} path is 404
 * (SecurityConfiguration).
 */
@Configuration(proxyBeanMethods = false)
@Profile("sandbox")
@Import({MarketplaceSimulator.class, SandboxPage.class})
public class SandboxConfiguration {

    /**
     * The bridge calls the sandbox over HTTP at the URLs of application-sandbox.yaml, built from
     * {@code server.port}, and the sandbox calls the bridge back. With port 0 (a random port) those URLs lead
     * nowhere, so refuse to start.
     */
    SandboxConfiguration(SimulatorProperties simulator,
            @Value("${bridge.marketplace.api-url:}") String apiUrl,
            @Value("${bridge.provisioning.url:}") String provisioningUrl,
            @Value("${bridge.billing.url:}") String billingUrl,
            @Value("${bridge.crm.url:}") String crmUrl) {
        for (String url : List.of(simulator.bridgeUrl().toString(), apiUrl, provisioningUrl, billingUrl, crmUrl)) {
            if (url.matches("https?://[^/]+:0(/.*)?")) {
                throw new IllegalStateException("The sandbox calls itself at " + url + ": port 0 leads nowhere. Run the"
                        + " sandbox on a fixed server.port (tests: pick a free port and use DEFINED_PORT).");
            }
        }
    }

    @Bean
    @Order(Ordered.HIGHEST_PRECEDENCE)
    SecurityFilterChain sandboxSecurity(HttpSecurity http) throws Exception {
        return headersFirst(http).securityMatcher("/sandbox", "/sandbox/**")
                .authorizeHttpRequests(auth -> auth.anyRequest().permitAll())
                .csrf(csrf -> csrf.disable())
                .sessionManagement(session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .build();
    }
}
