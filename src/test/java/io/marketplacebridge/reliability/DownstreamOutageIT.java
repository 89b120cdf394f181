package io.marketplacebridge.reliability;

import static io.marketplacebridge.Logins.basic;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 20, scenario 4 (docs/reliability.md): billing answers {@code 503} while a burst goes through the packaged
 * bridge, then recovers. Provisioning and the CRM get every event while billing is down; billing then gets every
 * event, in order per subscription; nothing is dead-lettered, because the bridge's retry budget
 * ({@code --bridge.broker.*} below: about five minutes) is longer than the outage. The outage lasts
 * {@code -Dreliability.outage-seconds} (20) and at least until the other systems have everything, so that the test
 * does not depend on the machine's speed; sizes as in {@link CrashIT}. A second phase then gives a bridge a
 * deliberately short retry budget, lets billing's outage outlast it, replays the dead letters through the dead-letter
 * API and checks that billing then has every event exactly once, in order.
 */
class DownstreamOutageIT {

    private final Duration outage = Duration.ofSeconds(Long.getLong("reliability.outage-seconds", 20));
    private final int attempts = Integer.getInteger("reliability.outage-attempts", 60);
    private final int deadLetterWebhooks = Integer.getInteger("reliability.dead-letter-webhooks", 40);
    private final int deadLetterSubscriptions = Integer.getInteger("reliability.dead-letter-subscriptions", 20);
    private final int deadLetterAttempts = Integer.getInteger("reliability.dead-letter-attempts", 3);
    /** The second phase's bridge: started during the first phase, killed after the test whatever happened. */
    private JavaProcess deadLetterBridge;

    @AfterEach
    void killTheSecondPhasesBridge() throws InterruptedException {
        if (deadLetterBridge != null) {
            deadLetterBridge.kill();
        }
    }

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
            // The second phase's bridge starts now, so that the phase hardly waits for its start; it takes no webhook
            // until then.
            int deadLetterPort = Projects.freePort();
            deadLetterBridge = JavaProcess.start("bridge", Projects.bridgeJar(), Projects.productionJvmOptions(),
                    Reliability.bridgeArguments(simulator, deadLetterPort, work.resolve("data-dead-letters"),
                            "--bridge.broker.max-delivery-attempts=" + deadLetterAttempts,
                            "--bridge.broker.redelivery-delay=500ms", "--bridge.broker.redelivery-multiplier=1.0",
                            "--bridge.broker.max-redelivery-delay=500ms"),
                    deadLetterPort, work.resolve("bridge-dead-letters.log"));
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
            figures.systems(report);
            figures.row("dead letters during the outage / after", deadDuring.values().stream().mapToInt(Integer::intValue).sum()
                    + " / " + dead.values().stream().mapToInt(Integer::intValue).sum() + " " + dead);
            figures.row("wall time (send → billing has everything)", wall);
            figures.write();

            assertThat(billingDuring.path("deliveries").asInt() - billingDuring.path("refused").asInt())
                    .as("billing deliveries accepted during its outage").isZero();
            for (String system : SYSTEMS) {
                assertThat(report.path(system).path("neverDelivered").asInt()).as(system + " lost").isZero();
                assertThat(report.path(system).path("outOfOrder").asInt()).as(system + " out of order").isZero();
            }
            assertThat(dead).as("dead letters").allSatisfy((queue, messages) -> assertThat(messages).as(queue).isZero());
            assertThat(Reliability.secretsInBridgeLogs(work)).as("secrets or tokens in the bridge's logs").isEmpty();

            bridge.kill(); // done with it: no graceful stop to wait for
            deadLettersOfAShortBudgetReplayedReachBillingOnce(simulator, deadLetterBridge, work, figures);
        }
    }

    /**
     * The second phase (issue 20, scenario 4's last clause): a bridge whose retry budget is deliberately short
     * ({@code -Dreliability.dead-letter-attempts} deliveries 500 ms apart) takes a burst of its own
     * ({@code -Dreliability.dead-letter-webhooks}) while billing answers {@code 503} longer than that budget: every
     * billing event is dead-lettered with its reason, nothing else is. Billing recovers, the operator replays
     * {@code DLQ.billing} through the dead-letter API, and every event reaches billing exactly once (no key taken
     * again after a 2xx), in order per subscription, and every dead-letter queue is empty.
     */
    private void deadLettersOfAShortBudgetReplayedReachBillingOnce(Simulator simulator, JavaProcess bridge, Path work,
            Reliability.Figures figures) throws Exception {
        simulator.reset();
        Path load = simulator.prepare(deadLetterSubscriptions, deadLetterWebhooks, Reliability.MIX, Reliability.SEED,
                work.resolve("load-dead-letters.tsv"));
        List<String> lines = java.nio.file.Files.readAllLines(load);
        Set<String> operations = new java.util.HashSet<>();
        for (String line : lines) {
            operations.add(line.split("\t", 2)[0]);
        }
        simulator.post("/sandbox/recorder/billing/behaviour", "{\"status\":503}");
        bridge.awaitReady("/actuator/health/readiness", Duration.ofMinutes(3));
        long started = System.nanoTime();
        // The simulator sends to the first bridge: this burst is sent by the test, as Microsoft would, in order.
        int acknowledged = 0;
        for (String line : lines) {
            String[] fields = line.split("\t", 3);
            int status = HTTP.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(bridge.url() + "/api/webhook"))
                    .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + fields[1])
                    .header("Content-Type", "application/json")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(fields[2])).build(),
                    java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
            if (status == 200) {
                acknowledged++;
            }
        }
        int sent = lines.size();
        assertThat(acknowledged).as("webhooks answered 200").isEqualTo(deadLetterWebhooks);
        await().atMost(Reliability.TIMEOUT).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            JsonNode report = simulator.report();
            for (String system : List.of("provisioning", "crm")) {
                assertThat(report.path(system).path("neverDelivered").asInt(-1)).as(system + " never delivered; "
                        + Reliability.systems(report)).isZero();
            }
            assertThat(Reliability.deadLetters(bridge.url()).get("billing")).as("billing's dead letters").isEqualTo(deadLetterWebhooks);
        });
        String deadLettered = Reliability.seconds(started);
        JsonNode during = simulator.report();
        Map<String, Integer> deadDuring = Reliability.deadLetters(bridge.url());
        simulator.post("/sandbox/recorder/billing/behaviour", "{\"status\":200}");

        JsonNode listed = Reliability.JSON.readTree(admin(bridge.url(), "GET", "/api/admin/dead-letters/billing?limit=1000", 200));
        List<String> badReasons = new java.util.ArrayList<>();
        Set<String> deadEvents = new java.util.HashSet<>();
        for (JsonNode message : listed.path("messages")) {
            JsonNode reason = message.path("reason");
            deadEvents.add(message.path("eventId").asText());
            if (!reason.path("route").asText().equals("deliver-billing") || !reason.path("message").asText().contains("503")
                    || reason.path("attempts").asInt() != deadLetterAttempts) {
                badReasons.add(message.path("eventId").asText() + ": " + reason);
            }
        }
        JsonNode replay = Reliability.JSON.readTree(admin(bridge.url(), "POST", "/api/admin/dead-letters/billing/replay?all=true", 200));
        String replayedAt = Reliability.seconds(started);

        AtomicReference<JsonNode> last = new AtomicReference<>();
        await().atMost(Reliability.TIMEOUT).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            JsonNode report = simulator.report();
            last.set(report);
            assertThat(report.path("billing").path("neverDelivered").asInt(-1)).as("billing never delivered after the replay; "
                    + Reliability.systems(report)).isZero();
        });
        String wall = Reliability.seconds(started);
        JsonNode report = last.get();
        Map<String, Integer> dead = Reliability.deadLetters(bridge.url());
        JsonNode billing = report.path("billing");
        JsonNode billingDuring = during.path("billing");

        figures.row("dead-letter phase: size and budget", deadLetterWebhooks + " webhooks over " + deadLetterSubscriptions
                + " subscriptions; " + deadLetterAttempts + " attempts 500 ms apart; billing 503 until all were dead-lettered ("
                + deadLettered + ")");
        figures.row("dead-letter phase: sent / acknowledged (200)", sent + " / " + acknowledged);
        figures.row("dead-letter phase: dead letters before the replay", deadDuring + "; listed with their reason "
                + listed.path("messages").size() + ", reason not deliver-billing's 503 after the whole budget " + badReasons.size());
        figures.row("dead-letter phase: billing during the outage", billingDuring.path("deliveries").asInt() + " deliveries, "
                + billingDuring.path("refused").asInt() + " refused");
        figures.row("dead-letter phase: replayed (POST /api/admin/dead-letters/billing/replay?all=true)",
                replay.path("replayed").asInt() + " at " + replayedAt);
        for (String system : SYSTEMS) {
            JsonNode counts = report.path(system);
            figures.row("dead-letter phase: " + system + ": delivered once / again with the same key (accepted again) / lost / "
                    + "out of order", counts.path("distinctKeys").asInt() + " / " + counts.path("repeated").asInt() + " ("
                    + counts.path("acceptedRepeats").asInt() + ") / " + counts.path("neverDelivered").asInt() + " / "
                    + counts.path("outOfOrder").asInt());
        }
        figures.row("dead-letter phase: dead letters after the replay", dead.values().stream().mapToInt(Integer::intValue).sum()
                + " " + dead);
        figures.row("dead-letter phase: wall time (send → billing has every replayed event)", wall);
        figures.write();

        assertThat(billingDuring.path("deliveries").asInt() - billingDuring.path("refused").asInt())
                .as("billing deliveries accepted during its outage").isZero();
        assertThat(deadDuring).as("dead letters before the replay: billing's only")
                .allSatisfy((queue, messages) -> assertThat(messages).as(queue).isEqualTo(queue.equals("billing") ? deadLetterWebhooks : 0));
        assertThat(deadEvents).as("the dead letters' events").isEqualTo(operations);
        assertThat(badReasons).as("dead letters without deliver-billing's 503 after the whole budget").isEmpty();
        assertThat(replay.path("replayed").asInt()).as("replayed").isEqualTo(deadLetterWebhooks);
        for (String system : SYSTEMS) {
            assertThat(report.path(system).path("neverDelivered").asInt()).as(system + " lost").isZero();
            assertThat(report.path(system).path("acceptedRepeats").asInt()).as(system + " keys taken again after a 2xx").isZero();
            assertThat(report.path(system).path("outOfOrder").asInt()).as(system + " out of order").isZero();
        }
        assertThat(billing.path("distinctKeys").asInt()).as("billing events").isEqualTo(deadLetterWebhooks);
        assertThat(dead).as("dead letters after the replay").allSatisfy((queue, messages) -> assertThat(messages).as(queue).isZero());
        assertThat(Reliability.secretsInBridgeLogs(work)).as("secrets or tokens in the bridge's logs").isEmpty();
    }

    private static final java.net.http.HttpClient HTTP = java.net.http.HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5)).build();

    /** A call of the bridge's admin API with the simulated profile's operator; fails unless it answers {@code expected}. */
    private static String admin(String bridgeUrl, String method, String path, int expected) throws Exception {
        java.net.http.HttpResponse<String> answer = HTTP.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(bridgeUrl + path))
                .timeout(Duration.ofSeconds(60)).header("Authorization", basic("admin:simulated-admin"))
                .method(method, java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(method + " " + path + ": " + answer.body()).isEqualTo(expected);
        return answer.body();
    }
}
