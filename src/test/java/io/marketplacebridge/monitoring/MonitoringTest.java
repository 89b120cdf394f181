package io.marketplacebridge.monitoring;

import static io.marketplacebridge.Logins.basic;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.marketplacebridge.BridgeTest;
import io.marketplacebridge.webhook.MicrosoftWebhook;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import org.yaml.snakeyaml.Yaml;

/**
 * What an operator watches: Camel's route metrics and the bridge's own in /actuator/prometheus, health with its
 * components, readiness that drops with the broker and comes back with it, and alert rules and a dashboard that use
 * only metrics the bridge serves. Runs an application of its own: the shared test context turns metrics export off,
 * and this test stops the broker and starts it again.
 */
class MonitoringTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String OPERATOR = basic("operator:test-admin-password");
    private static final Pattern METRIC = Pattern.compile("\\b((?:bridge|camel)_[a-z_]+)");

    @TempDir
    Path dataDir;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void metricsHealthReadinessAlertsAndDashboardTellTheOperatorTheTruth() throws Exception {
        try (ConfigurableApplicationContext bridge = BridgeTest.startApplication(dataDir, "monitoring-test",
                // The broker is stopped and started again: the routes need not wait 15 s for consumers to finish.
                Map.of("camel.main.shutdown-timeout", "1"))) {
            int port = BridgeTest.port(bridge);
            String id = BridgeTest.newSubscriptionId();
            String operation = UUID.randomUUID().toString();
            BridgeTest.MICROSOFT.stubFor(com.github.tomakehurst.wiremock.client.WireMock.get(
                    com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo("/api/saas/subscriptions/" + id + "/operations/" + operation))
                    .willReturn(BridgeTest.json(200, """
                            {"id":"%s","subscriptionId":"%s","action":"ChangeQuantity","status":"InProgress","planId":"basic","quantity":12}
                            """.formatted(operation, id))));
            BridgeTest.MICROSOFT.stubFor(com.github.tomakehurst.wiremock.client.WireMock.patch(
                    com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo("/api/saas/subscriptions/" + id + "/operations/" + operation))
                    .willReturn(com.github.tomakehurst.wiremock.client.WireMock.aResponse().withStatus(200)));
            BridgeTest.stubSubscription(id, "Subscribed", "basic", 12);

            BridgeTest.purchase(port, id);
            MicrosoftWebhook.call(port, MicrosoftWebhook.notification(operation, id, "ChangeQuantity", "basic", 12));

            await().atMost(WAIT).untilAsserted(() -> assertThat(get(port, "/actuator/prometheus").body())
                    .contains("bridge_acknowledgement_seconds_count 1\n"));
            String metrics = get(port, "/actuator/prometheus").body();
            assertThat(metrics).contains("camel_exchanges_total{", "routeId=\"webhook-processing\"",
                    "bridge_events_published_total{source=\"landing\",type=\"Purchased\"}",
                    "bridge_fulfillment_calls_seconds_count{call=\"resolve\",status=\"200\"}",
                    "bridge_token_failures_total", "bridge_dead_letters{queue=\"billing\"} 0.0", "bridge_acknowledgement_late_total 0.0",
                    "bridge_marketplace_certificate_expiry_seconds NaN");
            await().atMost(WAIT).untilAsserted(() -> assertThat(get(port, "/actuator/prometheus").body())
                    .contains("bridge_deliveries_total{outcome=\"delivered\",system=\"billing\"}"));
            Set<String> served = names(get(port, "/actuator/prometheus").body());
            assertThat(names(Files.readString(Path.of("config/monitoring/alerts.yml")))).isNotEmpty().isSubsetOf(served);
            assertThat(names(Files.readString(Path.of("config/monitoring/grafana-dashboard.json")))).isNotEmpty().isSubsetOf(served);
            Map<String, Object> rules = new Yaml().load(Files.readString(Path.of("config/monitoring/alerts.yml")));
            assertThat(rules).containsKey("groups");

            JsonNode health = JSON.readTree(get(port, "/actuator/health").body());
            assertThat(health.path("status").asText()).isEqualTo("UP");
            assertThat(health.path("components").path("broker").path("status").asText()).isEqualTo("UP");
            assertThat(health.path("components").path("db").path("status").asText()).isEqualTo("UP");
            assertThat(health.path("components").path("marketplaceToken").path("details").path("source").asText()).isEqualTo("static");
            assertThat(health.path("components").path("webhookKeys").path("status").asText()).isEqualTo("UP");
            assertThat(health.path("components").path("deliveries").path("details").has("billing")).isTrue();
            assertThat(get(port, "/actuator/health/readiness").statusCode()).isEqualTo(200);

            bridge.getBean(EmbeddedActiveMQ.class).stop();

            await().atMost(WAIT).untilAsserted(() -> assertThat(get(port, "/actuator/health/readiness").statusCode()).isEqualTo(503));
            assertThat(get(port, "/actuator/health/liveness").statusCode()).isEqualTo(200);

            // The broker back: the consumers connect again and the bridge is ready again, without a restart.
            bridge.getBean(EmbeddedActiveMQ.class).start();
            await().atMost(WAIT).untilAsserted(() -> assertThat(get(port, "/actuator/health/readiness").statusCode()).isEqualTo(200));
        }
    }

    private static Set<String> names(String text) {
        Set<String> names = new TreeSet<>();
        Matcher matcher = METRIC.matcher(text);
        while (matcher.find()) {
            String name = matcher.group(1);
            names.add(name.replaceAll("_(bucket|count|sum)$", "_count").replaceAll("_count$", "_count"));
        }
        return names;
    }

    private HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).header("Authorization", OPERATOR).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
