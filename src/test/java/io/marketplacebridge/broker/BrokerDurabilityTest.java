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
import io.marketplacebridge.MarketplaceBridgeApplication;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
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
            assertThat(BridgeTest.purchase(port(first), id).statusCode()).isEqualTo(200);
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
        Map<String, String> settings = BridgeTest.applicationSettings();
        settings.put("server.port", "0");
        settings.put("camel.main.name", "durability-test");
        settings.put("bridge.broker.data-dir", dataDir.toString());
        // Enough attempts that the event is still being redelivered, not dead-lettered, when the bridge stops.
        settings.put("bridge.broker.max-delivery-attempts", "1000");
        String[] args = settings.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue()).toArray(String[]::new);
        return new SpringApplicationBuilder(MarketplaceBridgeApplication.class).run(args);
    }

    private static int port(ConfigurableApplicationContext context) {
        return Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
    }
}
