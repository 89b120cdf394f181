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
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Issue 20, scenario 4 (docs/reliability.md): billing answers {@code 503} while a burst goes through the packaged
 * bridge, then recovers. Provisioning and the CRM get every event while billing is down; billing then gets every
 * event, in order per subscription; nothing is dead-lettered, because the bridge's retry budget
 * ({@code --bridge.broker.*} below: about five minutes) is longer than the outage. The outage lasts
 * {@code -Dreliability.outage-seconds} (20) and at least until the other systems have everything, so that the test
 * does not depend on the machine's speed; sizes as in {@link CrashIT}.
 */
class DownstreamOutageIT {

    private final Duration outage = Duration.ofSeconds(Long.getLong("reliability.outage-seconds", 20));
    private final int attempts = Integer.getInteger("reliability.outage-attempts", 60);

    @Test
    void billingCatchesUpInOrderAfterItsOutageWhileTheOthersGetEverything() throws Exception {
        Path work = Reliability.work("downstream-outage");
        Path data = work.resolve("data");
        Reliability.Figures figures = new Reliability.Figures("downstream-outage");
        int simulatorPort = Projects.freePort();
        int bridgePort = Projects.freePort();
        try (Simulator simulator = Reliability.simulator(simulatorPort, bridgePort, work);
                JavaProcess bridge = JavaProcess.start("bridge", Projects.bridgeJar(), Projects.productionJvmOptions(),
                        Reliability.bridgeArguments(simulator, bridgePort, data,
                                "--bridge.broker.max-delivery-attempts=" + attempts, "--bridge.broker.redelivery-delay=1s",
                                "--bridge.broker.redelivery-multiplier=2.0", "--bridge.broker.max-redelivery-delay=5s"),
                        bridgePort, work.resolve("bridge.log"))) {
            bridge.awaitReady("/actuator/health/readiness", Duration.ofMinutes(3));
            figures.row("bridge retry budget", attempts + " attempts, 1 s doubling to 5 s (about " + (5 * attempts / 60) + " min)");

            Reliability.prepare(simulator, work);
            simulator.post("/sandbox/recorder/billing/behaviour", "{\"status\":503}");
            long started = System.nanoTime();
            Reliability.send(simulator);
            Set<String> operations = Reliability.operations(work);

            await().atMost(Reliability.TIMEOUT).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                JsonNode report = simulator.report();
                assertThat(report.path("webhooks").path("acknowledged").asInt()).as("webhooks acknowledged").isEqualTo(WEBHOOKS);
                for (String system : List.of("provisioning", "crm")) {
                    assertThat(report.path(system).path("neverDelivered").asInt(-1)).as(system + " never delivered while billing is down; "
                            + Reliability.systems(report)).isZero();
                }
            });
            String othersDone = Reliability.seconds(started);
            await().atMost(outage.plusMinutes(1)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(200))
                    .until(() -> System.nanoTime() - started >= outage.toNanos());
            JsonNode during = simulator.report();
            Map<String, Integer> deadDuring = Reliability.deadLetters(bridge.url());
            simulator.post("/sandbox/recorder/billing/behaviour", "{\"status\":200}");
            String outageLasted = Reliability.seconds(started);

            AtomicReference<JsonNode> last = new AtomicReference<>();
            await().atMost(Reliability.TIMEOUT).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                JsonNode report = simulator.report();
                last.set(report);
                assertThat(report.path("billing").path("neverDelivered").asInt(-1)).as("billing never delivered after the outage; "
                        + Reliability.systems(report)).isZero();
                assertThat(Reliability.audit(data, operations).events()).as("events in the audit file").isEqualTo(WEBHOOKS);
            });
            String wall = Reliability.seconds(started);
            JsonNode report = last.get();
            Map<String, Integer> dead = Reliability.deadLetters(bridge.url());
            JsonNode webhooks = report.path("webhooks");
            JsonNode billingDuring = during.path("billing");

            figures.row("sent", webhooks.path("sent").asInt());
            figures.row("acknowledged", webhooks.path("acknowledged").asInt() + " (" + webhooks.path("attempts").asInt() + " calls)");
            figures.row("billing outage (503)", "from before the first webhook to " + outageLasted + "; provisioning and CRM had "
                    + "everything after " + othersDone);
            figures.row("billing during the outage", billingDuring.path("deliveries").asInt() + " deliveries, "
                    + billingDuring.path("refused").asInt() + " refused, " + billingDuring.path("neverDelivered").asInt()
                    + " events not yet delivered");
            for (String system : SYSTEMS) {
                JsonNode counts = report.path(system);
                figures.row(system + ": delivered once / again with the same key (accepted again) / lost / out of order",
                        counts.path("distinctKeys").asInt() + " / " + counts.path("repeated").asInt() + " ("
                                + counts.path("acceptedRepeats").asInt() + ") / " + counts.path("neverDelivered").asInt()
                                + " / " + counts.path("outOfOrder").asInt());
            }
            figures.row("dead letters during the outage / after", deadDuring.values().stream().mapToInt(Integer::intValue).sum()
                    + " / " + dead.values().stream().mapToInt(Integer::intValue).sum() + " " + dead);
            figures.row("wall time (send → billing has everything)", wall);
            figures.row("not done", "replaying dead letters (none were made; the dead-letter replay has its own flow tests)");
            figures.write();

            assertThat(billingDuring.path("deliveries").asInt() - billingDuring.path("refused").asInt())
                    .as("billing deliveries accepted during its outage").isZero();
            for (String system : SYSTEMS) {
                assertThat(report.path(system).path("neverDelivered").asInt()).as(system + " lost").isZero();
                assertThat(report.path(system).path("outOfOrder").asInt()).as(system + " out of order").isZero();
            }
            assertThat(dead).as("dead letters").allSatisfy((queue, messages) -> assertThat(messages).as(queue).isZero());
            assertThat(Reliability.secretsInBridgeLogs(work)).as("secrets or tokens in the bridge's logs").isEmpty();
        }
    }
}
