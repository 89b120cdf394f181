package io.marketplacebridge.monitoring;

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
 * none), with the failures since the start;</li>
 * <li>{@code webhookKeys}: the key set Microsoft's webhook tokens are checked against, fetched at most every 5
 * minutes;</li>
 * <li>{@code deliveries}: each downstream system's last delivery and last dead letter, from the registry.</li>
 * </ul>
 */
@Configuration(proxyBeanMethods = false)
class BridgeHealth {

    private static final Duration KEYS_EVERY = Duration.ofMinutes(5);

    @Bean
    HealthIndicator broker(ActiveMQConnectionFactory artemisConnectionFactory) {
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
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("source", tokens.fromEntra() ? "entra" : "static");
            details.put("failures", tokens.failures());
            try {
                tokens.authorization(false);
                return Health.up().withDetails(details).build();
            } catch (RuntimeException e) {
                details.put("error", e.getMessage());
                return Health.down().withDetails(details).build();
            }
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
