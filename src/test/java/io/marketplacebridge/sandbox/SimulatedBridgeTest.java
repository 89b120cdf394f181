package io.marketplacebridge.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.marketplacebridge.BridgeTest;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A whole bridge with the {@code simulated} profile against a standalone simulator, each on its own port, as
 * docs/simulator.md runs them in two processes: a load sent by the simulator is taken in, confirmed, acknowledged
 * once per operation and delivered to every system once and in order.
 */
class SimulatedBridgeTest {

    @Test
    void aLoadSentByTheSimulatorIsAcknowledgedAndDeliveredOnceAndInOrder() throws Exception {
        int bridgePort = freePort();
        try (TestSimulator simulator = TestSimulator.start("bridge.simulator.bridge-url=http://localhost:" + bridgePort,
                "bridge.simulator.api-latency=5ms", "bridge.simulator.webhook.first-backoff=200ms");
                ConfigurableApplicationContext bridge = BridgeTest.startSimulatedApplication(
                        Path.of("target", "simulated-bridge", UUID.randomUUID().toString()), "simulated-bridge", bridgePort,
                        simulator.base)) {
            simulator.send("POST", "/sandbox/load/prepare", "{\"subscriptions\":5,\"notifications\":30,\"seed\":2}");

            simulator.send("POST", "/sandbox/load/send", "{\"concurrency\":4}");

            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                JsonNode report = simulator.report();
                assertThat(report.at("/webhooks/acknowledged").asInt()).isEqualTo(30);
                for (String system : DeliveryRecorder.SYSTEMS) {
                    assertThat(report.at("/" + system + "/neverDelivered").asInt()).as(system).isZero();
                }
                assertThat(report.get("acknowledgements")).allSatisfy(each -> assertThat(each.get("patches").asInt()).isEqualTo(1));
            });
            JsonNode report = simulator.report();
            assertThat(report.get("acknowledgements")).isNotEmpty();
            for (String system : DeliveryRecorder.SYSTEMS) {
                JsonNode deliveries = report.get(system);
                assertThat(deliveries.get("distinctKeys").asInt()).as(system).isEqualTo(30);
                assertThat(deliveries.get("acceptedRepeats").asInt()).as(system).isZero();
                assertThat(deliveries.get("unknownKeys").asInt()).as(system).isZero();
                assertThat(deliveries.get("outOfOrder").asInt()).as(system).isZero();
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
