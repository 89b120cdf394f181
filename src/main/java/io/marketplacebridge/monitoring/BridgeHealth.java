package io.marketplacebridge.monitoring;

import io.marketplacebridge.marketplace.AppCertificate;
import io.marketplacebridge.marketplace.MarketplaceTokenProvider;
import io.marketplacebridge.webhook.WebhookProperties;
import jakarta.jms.Connection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Health that tells the truth (the operator sees the details; readiness includes the broker and the store, so a
 * bridge that cannot take or record an event is taken out of the load balancer):
 * <ul>
 * <li>{@code broker}: a connection to Artemis, embedded or external;</li>
 * <li>{@code db} (Spring Boot's): the store;</li>
 * <li>{@code marketplaceToken}: an Entra ID token for the Fulfillment API (the cached one, fetched when there is
 * none), with the failures since the start; with a certificate credential, its subject, thumbprint and expiry, and a
 * {@code warning} from {@code bridge.marketplace.auth.certificate-warning} before it expires (still UP while Entra ID
 * gives tokens: the flows work, and readiness must not drop for it; metric
 * {@code bridge_marketplace_certificate_expiry_seconds} is what alerts use);</li>
 * <li>{@code webhookKeys}: the key set Microsoft's webhook tokens are checked against, fetched at most every 5
 * minutes;</li>
 * <li>{@code deliveries}: each downstream system's last delivery and last dead letter, from the registry.</li>
 * </ul>
 */
@Configuration(proxyBeanMethods = false)
class BridgeHealth {

    private static final Duration KEYS_EVERY = Duration.ofMinutes(5);

    @Bean
    HealthIndicator broker(@Qualifier("artemisConnectionFactory") ActiveMQConnectionFactory artemisConnectionFactory) {
        return () -> {
            try (Connection connection = artemisConnectionFactory.createConnection()) {
                connection.start();
                return Health.up().withDetail("broker", artemisConnectionFactory.toURI().toString()).build();
            } catch (Exception e) {
                return Health.down().withDetail("error", e.getClass().getSimpleName() + ": " + e.getMessage()).build();
            }
        };
    }

    @Bean
    HealthIndicator marketplaceToken(MarketplaceTokenProvider tokens) {
        return () -> {
            String error = null;
            try {
                tokens.authorization(false);
            } catch (RuntimeException e) {
                error = e.getMessage();
            }
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("source", tokens.fromEntra() ? "entra" : "static");
            details.put("failures", tokens.failures());
            AppCertificate certificate = tokens.certificate();
            if (certificate != null) {
                Instant now = Instant.now();
                Duration left = Duration.between(now, certificate.notAfter());
                Map<String, Object> shown = new LinkedHashMap<>();
                shown.put("subject", certificate.subject());
                shown.put("thumbprint", certificate.thumbprint());
                shown.put("notAfter", certificate.notAfter().toString());
                shown.put("expiresInDays", left.toDays());
                details.put("certificate", shown);
                if (tokens.expiresWithinWarning(now)) {
                    details.put("warning", certificateWarning(certificate, left, tokens.certificateWarning()));
                }
            }
            if (error != null) {
                details.put("error", error);
                return Health.down().withDetails(details).build();
            }
            return Health.up().withDetails(details).build();
        };
    }

    @Bean
    HealthIndicator webhookKeys(WebhookProperties webhook) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
        Object[] last = {Instant.EPOCH, null};
        return () -> {
            if (webhook.validation() == WebhookProperties.Validation.NONE) {
                return Health.up().withDetail("validation", "none").build();
            }
            synchronized (last) {
                if (last[1] == null || Instant.now().isAfter(((Instant) last[0]).plus(KEYS_EVERY))) {
                    last[0] = Instant.now();
                    last[1] = fetchKeys(http, webhook.jwksUri());
                }
                return (Health) last[1];
            }
        };
    }

    @Bean
    HealthIndicator deliveries(JdbcTemplate jdbc) {
        return () -> {
            Map<String, Object> systems = new LinkedHashMap<>();
            List<Map<String, Object>> rows = jdbc.queryForList("SELECT target_system, MAX(delivered_at) AS last_delivered,"
                    + " MAX(dead_lettered_at) AS last_dead_lettered FROM delivery GROUP BY target_system");
            for (Map<String, Object> row : rows) {
                Map<String, Object> system = new LinkedHashMap<>();
                system.put("lastDelivered", String.valueOf(row.get("last_delivered")));
                if (row.get("last_dead_lettered") != null) {
                    system.put("lastDeadLettered", String.valueOf(row.get("last_dead_lettered")));
                }
                systems.put(String.valueOf(row.get("target_system")), system);
            }
            return Health.up().withDetails(systems).build();
        };
    }

    private static String certificateWarning(AppCertificate certificate, Duration left, Duration warning) {
        String which = "The certificate " + certificate.subject() + " (thumbprint " + certificate.thumbprint() + ")";
        if (left.isNegative() || left.isZero()) {
            return which + " expired at " + certificate.notAfter() + ": Entra ID refuses it. Upload a new certificate to the app"
                    + " registration and point bridge.marketplace.auth.certificate-path at it.";
        }
        return which + " expires at " + certificate.notAfter() + ", in " + left.toDays() + " day(s) (less than"
                + " bridge.marketplace.auth.certificate-warning, " + warning.toDays() + " days): upload its successor to the"
                + " app registration and point bridge.marketplace.auth.certificate-path at it before then.";
    }

    private static Health fetchKeys(HttpClient http, URI keys) {
        try {
            HttpResponse<String> answer = http.send(HttpRequest.newBuilder(keys).timeout(Duration.ofSeconds(5)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (answer.statusCode() == 200 && answer.body().contains("\"keys\"")) {
                return Health.up().withDetail("jwksUri", keys.toString()).build();
            }
            return Health.down().withDetail("jwksUri", keys.toString()).withDetail("status", answer.statusCode()).build();
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return Health.down().withDetail("jwksUri", keys.toString())
                    .withDetail("error", e.getClass().getSimpleName() + ": " + e.getMessage()).build();
        }
    }
}
