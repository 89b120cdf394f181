package io.marketplacebridge.reliability;

import static io.marketplacebridge.reliability.Reliability.SYSTEMS;
import static io.marketplacebridge.reliability.Reliability.WEBHOOKS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.marketplacebridge.process.JavaProcess;
import io.marketplacebridge.process.Projects;
import io.marketplacebridge.process.Simulator;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Issue 20, scenario 1 (docs/reliability.md): the packaged bridge is killed with {@code kill -9} at seeded random
 * moments of a burst that the standalone simulator sends as Microsoft does, and started again on the same data
 * directory each time. Once the simulator's retries are over, every webhook is acknowledged and every event has
 * reached provisioning, billing and the CRM (by idempotency key) and the audit file; repeats with the same key are
 * allowed (the systems deduplicate by it) and counted. Sizes: {@code -Dreliability.webhooks}, {@code .subscriptions},
 * {@code .kills}, {@code .seed}.
 */
class CrashIT {

    private final int kills = Integer.getInteger("reliability.kills", 1);

    @Test
    void everyAcknowledgedWebhookReachesEverySystemAfterKills() throws Exception {
        Path work = Reliability.work("crash");
        Path data = work.resolve("data");
        Reliability.Figures figures = new Reliability.Figures("crash");
        List<Integer> killPoints = killPoints();
        int simulatorPort = Projects.freePort();
        int bridgePort = Projects.freePort();
        try (Simulator simulator = Reliability.simulator(simulatorPort, bridgePort, work)) {
            List<String> arguments = Reliability.bridgeArguments(simulator, bridgePort, data);
            JavaProcess bridge = Reliability.startBridge(arguments, bridgePort, work, 0);
            try {
                Reliability.prepare(simulator, work);
                long started = System.nanoTime();
                Reliability.send(simulator);
                Set<String> operations = Reliability.operations(work);
                List<String> killed = new ArrayList<>();
                for (int kill = 1; kill <= killPoints.size(); kill++) {
                    int point = killPoints.get(kill - 1);
                    await().atMost(Reliability.TIMEOUT).pollInterval(Duration.ofMillis(50))
                            .until(() -> acknowledged(simulator) >= point);
                    bridge.kill();
                    JsonNode report = simulator.report();
                    killed.add(report.path("webhooks").path("acknowledged").asInt() + " acknowledged, "
                            + delivered(report) + " deliveries");
                    bridge = Reliability.startBridge(arguments, bridgePort, work, kill);
                }
                figures.row("kill -9 points (seeded), at", String.join("; ", killed));

                JsonNode report = Reliability.awaitEverything(simulator, WEBHOOKS, data, operations, more -> { });
                String wall = Reliability.seconds(started);
                JsonNode webhooks = report.path("webhooks");
                Reliability.Audit audit = Reliability.audit(data, operations);
                figures.webhooks(webhooks);
                figures.systems(report);
                figures.row("audit file: events / repeated lines", audit.events() + " / " + audit.repeatedLines());
                // After a restart the backlog comes first: late acknowledgements are reported, not asserted.
                figures.acknowledgements(report, work);
                figures.row("wall time (send → last delivery and audit line, restarts included)", wall);
                figures.write();

                assertThat(webhooks.path("givenUp").asInt()).as("webhooks the simulator gave up").isZero();
                for (String system : SYSTEMS) {
                    assertThat(report.path(system).path("distinctKeys").asInt()).as(system + " events").isGreaterThanOrEqualTo(WEBHOOKS);
                    assertThat(report.path(system).path("neverDelivered").asInt()).as(system + " lost").isZero();
                }
                assertThat(audit.events()).as("events in the audit file").isEqualTo(operations.size());
                assertThat(Reliability.secretsInBridgeLogs(work)).as("secrets or tokens in the bridge's logs").isEmpty();
            } finally {
                bridge.close();
            }
        }
    }

    /** {@code kills} points in the burst, by webhooks acknowledged, from the seed: each between 5 % and 95 %. */
    private List<Integer> killPoints() {
        Random random = new Random(Reliability.SEED);
        List<Integer> points = new ArrayList<>();
        for (int kill = 0; kill < kills; kill++) {
            points.add(Reliability.killPoint(random, WEBHOOKS));
        }
        points.sort(null);
        return points;
    }

    private static int acknowledged(Simulator simulator) throws Exception {
        return simulator.report().path("webhooks").path("acknowledged").asInt();
    }

    private static int delivered(JsonNode report) {
        return SYSTEMS.stream().mapToInt(system -> report.path(system).path("deliveries").asInt()).sum();
    }
}
