package io.marketplacebridge.broker;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.marketplacebridge.BridgeTest.MICROSOFT;
import static io.marketplacebridge.BridgeTest.PUBLISHER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.stubbing.Scenario;
import io.marketplacebridge.BridgeTest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The embedded broker's journal: an event in flight when the bridge stops is delivered after it starts again. Runs
 * whole applications of its own (two in a row on one data directory), not the shared test context.
 */
class BrokerDurabilityTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dataDir;

    @Test
    void eventInFlightWhenTheBridgeStopsIsDeliveredAfterARestart() throws Exception {
        String id = BridgeTest.newSubscriptionId();
        String scenario = "restart-" + id;
        PUBLISHER.stubFor(post(urlPathEqualTo("/provisioning")).withRequestBody(containing(id)).inScenario(scenario)
                .whenScenarioStateIs(Scenario.STARTED).willReturn(aResponse().withStatus(503)));
        PUBLISHER.stubFor(post(urlPathEqualTo("/provisioning")).withRequestBody(containing(id)).inScenario(scenario)
                .whenScenarioStateIs("back").willReturn(ok()));

        try (ConfigurableApplicationContext first = start()) {
            assertThat(BridgeTest.purchase(BridgeTest.port(first), id).statusCode()).isEqualTo(200);
            await().atMost(WAIT).untilAsserted(() -> PUBLISHER.verify(postRequestedFor(urlPathEqualTo("/provisioning"))
                    .withHeader("Idempotency-Key", equalTo("purchase:" + id))));
        }
        PUBLISHER.setScenarioState(scenario, "back");
        try (ConfigurableApplicationContext second = start()) {

            await().atMost(WAIT).untilAsserted(() -> PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo("/provisioning"))
                    .withHeader("Idempotency-Key", equalTo("activated:" + id))));

            MICROSOFT.verify(1, postRequestedFor(urlPathEqualTo("/api/saas/subscriptions/" + id + "/activate")));
        }
    }

    private ConfigurableApplicationContext start() throws Exception {
        // Enough attempts that the event is still being redelivered, not dead-lettered, when the bridge stops.
        return BridgeTest.startApplication(dataDir, "durability-test", Map.of("bridge.broker.max-delivery-attempts", "1000"));
    }
}
