package io.marketplacebridge.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.marketplacebridge.BridgeTest;
import io.marketplacebridge.broker.TestBrokers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The registry on a real PostgreSQL server, shared by two bridge instances on one broker: what one instance
 * records, the other reads. Runs where BRIDGE_TEST_POSTGRES_URL names a database (.ci/run starts one; README
 * "Development" says how to run it locally).
 */
@EnabledIfEnvironmentVariable(named = "BRIDGE_TEST_POSTGRES_URL", matches = ".+")
class RegistryOnPostgresTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void twoBridgesOnOneBrokerAndOnePostgresSeeTheSameRegistry() throws Exception {
        EmbeddedActiveMQ broker = TestBrokers.startTcp(dir.resolve("broker"));
        Map<String, String> shared = new LinkedHashMap<>(BridgeTest.postgresStore("two_" + UUID.randomUUID().toString().replace("-", "")));
        shared.put("bridge.broker.url", TestBrokers.url(broker));
        try (ConfigurableApplicationContext first = BridgeTest.startApplication(dir.resolve("first"), "registry-first", shared);
                ConfigurableApplicationContext second = BridgeTest.startApplication(dir.resolve("second"), "registry-second", shared)) {
            String id = BridgeTest.newSubscriptionId();

            assertThat(BridgeTest.purchase(BridgeTest.port(first), id).statusCode()).isEqualTo(200);

            await().atMost(WAIT).untilAsserted(() -> {
                JsonNode timeline = read(second, "/api/subscriptions/" + id + "/events");
                assertThat(timeline.path("events").findValuesAsText("type")).containsExactly("Purchased", "Activated");
                assertThat(timeline.path("events").get(1).path("deliveries").findValuesAsText("outcome"))
                        .containsOnly("delivered").hasSize(4);
            });
            JsonNode fromFirst = read(first, "/api/subscriptions?status=Subscribed&size=200");
            JsonNode fromSecond = read(second, "/api/subscriptions?status=Subscribed&size=200");
            assertThat(fromSecond.path("subscriptions").findValuesAsText("subscriptionId")).contains(id);
            assertThat(fromSecond.path("total")).isEqualTo(fromFirst.path("total"));
        } finally {
            broker.stop();
        }
    }

    private static JsonNode read(ConfigurableApplicationContext bridge, String path) throws Exception {
        HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + BridgeTest.port(bridge) + path))
                .header("Authorization", SubscriptionsFlowTest.OPERATOR).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        return JSON.readTree(answer.body());
    }
}
