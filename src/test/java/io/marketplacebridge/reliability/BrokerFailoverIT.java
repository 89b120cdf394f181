package io.marketplacebridge.reliability;

import static io.marketplacebridge.reliability.Reliability.SYSTEMS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.marketplacebridge.process.AuditFiles;
import io.marketplacebridge.process.JavaProcess;
import io.marketplacebridge.process.Projects;
import io.marketplacebridge.process.ReplicatedBroker;
import io.marketplacebridge.process.Simulator;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Issue 20, scenario 2 (docs/reliability.md): an external Artemis primary/backup pair with replication
 * ({@link ReplicatedBroker}: config/artemis/broker.xml plus the pair's cluster connection and HA policy, each broker a
 * process of its own on loopback) and two packaged bridges on it through a failover URL, behind a round-robin load
 * balancer ({@link WebhookBalancer}) that the simulator sends its burst to as Microsoft does. At a seeded point of
 * the burst the primary is killed with {@code kill -9}; the backup takes over. Every webhook answered {@code 200}
 * reaches every system (a {@code 200} without storage would be an event never delivered: the simulator does not
 * call again after a {@code 2xx}), a webhook that could not be stored is answered {@code 503} and called again,
 * nothing is dead-lettered. Repeats with the same idempotency key are counted, as are the answers during the gap and
 * the bridges' readiness. Sizes as in {@link CrashIT}, but smaller by default ({@code ./mvnw verify} has 45 s for it:
 * two bridges and two brokers start first): 60 webhooks over 12 subscriptions.
 */
class BrokerFailoverIT {

    private static final int WEBHOOKS = Integer.getInteger("reliability.webhooks", 60);
    private static final int SUBSCRIPTIONS = Integer.getInteger("reliability.subscriptions", 12);

    private static final String USER = "bridge";
    private static final String PASSWORD = UUID.randomUUID().toString();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void everyAcknowledgedWebhookReachesEverySystemWhenThePrimaryBrokerIsKilled() throws Exception {
        long testStarted = System.nanoTime();
        Path work = Reliability.work("broker-failover");
        Reliability.Figures figures = new Reliability.Figures("broker-failover", WEBHOOKS, SUBSCRIPTIONS);
        int primaryPort = Projects.freePort();
        int backupPort = Projects.freePort();
        int balancerPort = Projects.freePort();
        List<Integer> bridgePorts = List.of(Projects.freePort(), Projects.freePort());
        String brokerUrl = failoverUrl(primaryPort, backupPort);
        int killPoint = (int) (WEBHOOKS * (0.2 + 0.6 * new Random(Reliability.SEED).nextDouble()));

        int simulatorPort = Projects.freePort();
        // Everything starts at once: the bridges reach the broker and the simulator only once their routes start.
        try (ReplicatedBroker primary = ReplicatedBroker.start("primary", primaryPort, backupPort, work.resolve("primary"),
                        work.resolve("primary-broker.log"), USER, PASSWORD);
                ReplicatedBroker backup = ReplicatedBroker.start("backup", backupPort, primaryPort, work.resolve("backup"),
                        work.resolve("backup-broker.log"), USER, PASSWORD);
                Bridges processes = Bridges.start(bridgePorts, simulatorPort, brokerUrl, work);
                WebhookBalancer balancer = WebhookBalancer.start(balancerPort,
                        bridgePorts.stream().map(port -> "http://127.0.0.1:" + port).toList());
                Simulator simulator = Reliability.simulator(simulatorPort, balancerPort, work)) {
            List<JavaProcess> bridges = processes.processes();
            primary.await(ReplicatedBroker.ACTIVE, Duration.ofMinutes(2));
            backup.await(ReplicatedBroker.SYNCHRONIZED, Duration.ofMinutes(2));
            for (JavaProcess bridge : bridges) {
                bridge.awaitReady("/actuator/health/readiness", Duration.ofMinutes(3));
            }
            figures.row("brokers", "primary " + primary.url() + ", backup " + backup.url() + " (replication, kill -9 of the primary)");
            figures.row("bridges' broker URL", brokerUrl);

            simulator.reset();
            simulator.prepare(SUBSCRIPTIONS, WEBHOOKS, Reliability.MIX, Reliability.SEED, work.resolve("load.tsv"));
            Set<String> operations = Reliability.operations(work);
            long started = System.nanoTime();
            Reliability.send(simulator);
            await().atMost(Reliability.TIMEOUT).pollInterval(Duration.ofMillis(50))
                    .until(() -> acknowledged(simulator) >= killPoint);

            Readiness readiness = new Readiness(bridges);
            Thread watching = new Thread(readiness, "readiness-watch");
            watching.setDaemon(true);
            watching.start();
            primary.kill();
            long killed = System.nanoTime();
            JsonNode atKill = simulator.report();
            backup.await(ReplicatedBroker.ACTIVE, Duration.ofMinutes(2));
            long backupActive = System.nanoTime();
            // The gap ends with the first webhook stored after the kill: a 200 from a call made after the backup took over.
            await().atMost(Reliability.TIMEOUT).pollInterval(Duration.ofMillis(50)).until(() ->
                    balancer.answers().stream().anyMatch(answer -> answer.atNanos() > backupActive && answer.status() == 200)
                            || acknowledged(simulator) == WEBHOOKS);
            await().atMost(Reliability.TIMEOUT).pollInterval(Duration.ofMillis(200)).until(() -> readiness.allUpSince(backupActive));
            readiness.stop();

            // Until everything has arrived, or a dead letter holds what is missing and nothing moved for 15 s: then the
            // figures are written and the assertions below say what is missing and where it is.
            AtomicReference<JsonNode> last = new AtomicReference<>();
            long[] progress = {-1, System.nanoTime()};
            await().atMost(Reliability.TIMEOUT).pollInterval(Duration.ofSeconds(1)).until(() -> {
                JsonNode report = simulator.report();
                last.set(report);
                boolean complete = report.path("webhooks").path("acknowledged").asInt() == WEBHOOKS
                        && SYSTEMS.stream().allMatch(system -> report.path(system).path("neverDelivered").asInt(-1) == 0)
                        && auditEvents(work, operations) == WEBHOOKS && Reliability.unacknowledgedChanges(report) == 0;
                long delivered = SYSTEMS.stream().mapToLong(system -> report.path(system).path("deliveries").asLong()).sum()
                        + report.path("webhooks").path("attempts").asLong();
                if (delivered != progress[0]) {
                    progress[0] = delivered;
                    progress[1] = System.nanoTime();
                }
                return complete || (System.nanoTime() - progress[1] > Duration.ofSeconds(15).toNanos()
                        && Reliability.deadLetters(bridges.get(0).url()).values().stream().anyMatch(count -> count > 0));
            });
            String wall = Reliability.seconds(started);
            JsonNode report = last.get();
            JsonNode webhooks = report.path("webhooks");
            Map<String, Integer> dead = Reliability.deadLetters(bridges.get(0).url());
            Map<Integer, Integer> all = balancer.statuses(0, Long.MAX_VALUE);
            Map<Integer, Integer> afterKill = balancer.statuses(killed, Long.MAX_VALUE);
            long gapEnd = balancer.answers().stream().filter(answer -> answer.atNanos() > backupActive && answer.status() == 200)
                    .mapToLong(WebhookBalancer.Answer::atNanos).min().orElse(System.nanoTime());
            Map<Integer, Integer> duringGap = balancer.statuses(killed, gapEnd);

            figures.webhooks(webhooks);
            figures.row("kill -9 of the primary at (seeded)", atKill.path("webhooks").path("acknowledged").asInt() + " acknowledged");
            figures.row("backup active after the kill", millis(backupActive - killed));
            figures.row("gap (kill → first webhook stored on the backup)", millis(gapEnd - killed));
            figures.row("webhook answers: all / from the kill on / in the gap", all + " / " + afterKill + " / " + duringGap);
            figures.row("answers per bridge", perBridge(balancer));
            figures.row("readiness after the kill", readiness.summary(killed));
            figures.systems(report);
            figures.row("audit files (both bridges): events", auditEvents(work, operations));
            figures.acknowledgements(report, work);
            figures.row("dead letters", dead.values().stream().mapToInt(Integer::intValue).sum() + " " + dead);
            figures.row("wall time (send → last delivery and audit line, failover included)", wall);
            figures.row("whole test (processes started and ready, burst, failover)", Reliability.seconds(testStarted));
            figures.row("not done", "failback to a restarted primary; a kill of the backup; a network partition (split brain)");
            figures.write();

            assertThat(webhooks.path("givenUp").asInt()).as("webhooks the simulator gave up").isZero();
            assertThat(webhooks.path("acknowledged").asInt()).as("webhooks acknowledged").isEqualTo(WEBHOOKS);
            assertThat(Reliability.unacknowledgedChanges(report)).as("changes without Update Operation").isZero();
            assertThat(auditEvents(work, operations)).as("events in the audit files").isEqualTo(WEBHOOKS);
            for (String system : SYSTEMS) {
                assertThat(report.path(system).path("distinctKeys").asInt()).as(system + " events").isGreaterThanOrEqualTo(WEBHOOKS);
                assertThat(report.path(system).path("neverDelivered").asInt()).as(system + " lost").isZero();
            }
            assertThat(all.keySet()).as("webhook answers by status: 200 stored, 503 not stored (called again)")
                    .isSubsetOf(200, 503);
            assertThat(balancer.answers().stream().filter(answer -> answer.status() == 200).map(WebhookBalancer.Answer::operationId)
                    .distinct().count()).as("operations answered 200").isEqualTo(WEBHOOKS);
            assertThat(dead).as("dead letters").allSatisfy((queue, messages) -> assertThat(messages).as(queue).isZero());
            assertThat(Reliability.secretsInBridgeLogs(work)).as("secrets or tokens in the bridges' logs").isEmpty();
        }
    }

    /**
     * The two packaged bridges of the simulated profile on the pair, each with its own data directory (audit file),
     * sharing one store as production instances share PostgreSQL: an H2 file in {@code AUTO_SERVER} mode (the first
     * process to open it serves it to the other), so that the acknowledgement lane's claims (docs/architecture.md)
     * are seen by both. The second starts once the first has migrated the store (Flyway), so they do not race.
     */
    private record Bridges(List<JavaProcess> processes) implements AutoCloseable {

        static Bridges start(List<Integer> ports, int simulatorPort, String brokerUrl, Path work)
                throws IOException, InterruptedException {
            String store = Reliability.storeUrl(work);
            List<JavaProcess> processes = new ArrayList<>();
            for (int bridge = 0; bridge < ports.size(); bridge++) {
                int port = ports.get(bridge);
                if (bridge > 0) {
                    awaitMigrated(processes.get(0));
                }
                processes.add(JavaProcess.start("bridge-" + bridge, Projects.bridgeJar(), Projects.productionJvmOptions(), List.of(
                        "--spring.profiles.active=simulated", "--bridge.simulator.url=http://127.0.0.1:" + simulatorPort,
                        "--server.port=" + port, "--bridge.broker.data-dir=" + work.resolve("data-" + bridge),
                        "--bridge.broker.url=" + brokerUrl, "--bridge.broker.user=" + USER, "--bridge.broker.password=" + PASSWORD,
                        "--bridge.store.url=" + store, "--bridge.store.username=bridge", "--bridge.store.password="),
                        port, work.resolve("bridge-" + bridge + ".log")));
            }
            return new Bridges(processes);
        }

        /** Waits for Flyway's last line in the bridge's log ("Successfully applied" or "up to date"). */
        private static void awaitMigrated(JavaProcess bridge) throws IOException, InterruptedException {
            long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
            while (System.nanoTime() < deadline) {
                String log = Files.exists(bridge.log()) ? Files.readString(bridge.log()) : "";
                if (log.contains("Successfully applied") || log.contains("is up to date")) {
                    return;
                }
                if (log.contains("APPLICATION FAILED TO START")) {
                    throw new IllegalStateException("bridge-0 did not start; see " + bridge.log());
                }
                Thread.sleep(200);
            }
            throw new IllegalStateException("bridge-0 did not migrate its store within 3 minutes; see " + bridge.log());
        }

        @Override
        public void close() throws InterruptedException {
            for (JavaProcess process : processes) {
                process.close();
            }
        }
    }

    /** The failover URL of the pair, as README's production section gives it. */
    private static String failoverUrl(int primaryPort, int backupPort) {
        return "(tcp://127.0.0.1:" + primaryPort + ",tcp://127.0.0.1:" + backupPort + ")?ha=true&reconnectAttempts=-1"
                + "&retryInterval=500&retryIntervalMultiplier=1.5&maxRetryInterval=5000";
    }

    /** The burst's events in the audit files of both bridges (each writes those its audit consumer took). */
    private static int auditEvents(Path work, Set<String> operations) throws IOException {
        Set<String> events = new HashSet<>();
        try (Stream<Path> directories = Files.list(work)) {
            for (Path data : directories.filter(path -> path.getFileName().toString().startsWith("data-")).toList()) {
                for (JsonNode entry : AuditFiles.entries(data)) {
                    String eventId = entry.path("eventId").asText();
                    if (operations.contains(eventId)) {
                        events.add(eventId);
                    }
                }
            }
        }
        return events.size();
    }

    private static String perBridge(WebhookBalancer balancer) {
        Map<Integer, Map<Integer, Integer>> counts = new LinkedHashMap<>();
        for (WebhookBalancer.Answer answer : balancer.answers()) {
            counts.computeIfAbsent(answer.bridge(), bridge -> new java.util.TreeMap<>()).merge(answer.status(), 1, Integer::sum);
        }
        return counts.toString();
    }

    private static int acknowledged(Simulator simulator) throws Exception {
        return simulator.report().path("webhooks").path("acknowledged").asInt();
    }

    private static String millis(long nanos) {
        return String.format(java.util.Locale.ROOT, "%.1f s", nanos / 1e9);
    }

    /** Each bridge's readiness ({@code /actuator/health/readiness}) every 200 ms: when it answered what. */
    private static final class Readiness implements Runnable {

        private record Probe(long atNanos, int bridge, int status) {
        }

        private final List<JavaProcess> bridges;
        private final List<Probe> probes = new ArrayList<>();
        private final AtomicBoolean running = new AtomicBoolean(true);

        Readiness(List<JavaProcess> bridges) {
            this.bridges = bridges;
        }

        @Override
        public void run() {
            while (running.get()) {
                for (int bridge = 0; bridge < bridges.size(); bridge++) {
                    int status;
                    try {
                        status = HTTP.send(HttpRequest.newBuilder(URI.create(bridges.get(bridge).url() + "/actuator/health/readiness"))
                                .timeout(Duration.ofSeconds(3)).GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode();
                    } catch (IOException noAnswer) {
                        status = 0;
                    } catch (InterruptedException stopped) {
                        return;
                    }
                    synchronized (probes) {
                        probes.add(new Probe(System.nanoTime(), bridge, status));
                    }
                }
                try {
                    Thread.sleep(200);
                } catch (InterruptedException stopped) {
                    return;
                }
            }
        }

        void stop() {
            running.set(false);
        }

        /** Whether every bridge's last probe is a 200 taken after {@code sinceNanos}. */
        boolean allUpSince(long sinceNanos) {
            synchronized (probes) {
                for (int bridge = 0; bridge < bridges.size(); bridge++) {
                    int each = bridge;
                    Probe lastProbe = probes.stream().filter(probe -> probe.bridge() == each).reduce((a, b) -> b).orElse(null);
                    if (lastProbe == null || lastProbe.atNanos() < sinceNanos || lastProbe.status() != 200) {
                        return false;
                    }
                }
                return true;
            }
        }

        /** Per bridge: the probes after {@code fromNanos} that were not 200, and for how long. */
        String summary(long fromNanos) {
            StringBuilder summary = new StringBuilder();
            synchronized (probes) {
                for (int bridge = 0; bridge < bridges.size(); bridge++) {
                    int each = bridge;
                    List<Probe> mine = probes.stream().filter(probe -> probe.bridge() == each && probe.atNanos() >= fromNanos).toList();
                    List<Probe> notReady = mine.stream().filter(probe -> probe.status() != 200).toList();
                    summary.append("bridge-").append(bridge).append(": ").append(mine.size()).append(" probes, ");
                    if (notReady.isEmpty()) {
                        summary.append("always ready; ");
                    } else {
                        summary.append(notReady.size()).append(" not ready (")
                                .append(notReady.stream().map(probe -> String.valueOf(probe.status())).distinct().toList())
                                .append(") from ").append(millis(notReady.get(0).atNanos() - fromNanos)).append(" to ")
                                .append(millis(notReady.get(notReady.size() - 1).atNanos() - fromNanos))
                                .append(" after the kill; ");
                    }
                }
            }
            return summary.toString();
        }
    }
}
