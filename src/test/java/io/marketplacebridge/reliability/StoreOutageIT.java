package io.marketplacebridge.reliability;

import static io.marketplacebridge.Logins.basic;
import static io.marketplacebridge.reliability.Reliability.SYSTEMS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.marketplacebridge.process.JavaProcess;
import io.marketplacebridge.process.PostgresServer;
import io.marketplacebridge.process.Projects;
import io.marketplacebridge.process.Simulator;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Issue 20, scenario 3 (docs/reliability.md): the store goes away mid-burst. The packaged bridge keeps its registry on
 * a PostgreSQL server the test owns ({@link PostgresServer}: a fresh cluster under
 * {@code target/reliability/store-outage/pg}, on a loopback port of its own); while the standalone simulator sends the
 * burst, the test stops PostgreSQL ({@code pg_ctl stop -m immediate}, or {@code fast}: {@code -Dreliability.store-outages},
 * one outage per mode) for {@code -Dreliability.store-outage-seconds} (10) and at least until readiness reports it,
 * then starts it again. Meanwhile it polls {@code /actuator/health/readiness}. Afterwards every webhook is acknowledged,
 * every event reached every system (by idempotency key; repeats counted, the systems take them by key), nothing is
 * dead-lettered (the bridge's retry budget is longer than the outage), readiness went DOWN during the outage and UP
 * after, and the registry holds every event exactly once: no duplicate timeline row (SQL on {@code subscription_event})
 * and every subscription's timeline ({@code GET /api/subscriptions/{id}/events}) lists each of its events once, delivered
 * to every system. Skipped only where no PostgreSQL binaries exist.
 */
class StoreOutageIT {

    private final Duration outage = Duration.ofSeconds(Long.getLong("reliability.store-outage-seconds", 10));
    private final List<String> modes = List.of(System.getProperty("reliability.store-outages", "immediate").split(","));
    private final int attempts = Integer.getInteger("reliability.outage-attempts", 150);
    /**
     * The quick size is smaller than the other fault tests' (100 webhooks over 25 subscriptions), to keep within its
     * share of {@code ./mvnw verify}; {@code -Dreliability.webhooks} and {@code .subscriptions} set it as for them.
     */
    private static final int WEBHOOKS = Integer.getInteger("reliability.webhooks", 100);
    private static final int SUBSCRIPTIONS = Integer.getInteger("reliability.subscriptions", 25);

    @Test
    void theBridgeRidesOutAStoreOutageAndCatchesUpWithoutDuplicateTimelineRows() throws Exception {
        Assumptions.assumeTrue(PostgresServer.binaries().isPresent(), "No PostgreSQL binaries under /usr/lib/postgresql/*/bin: "
                + "StoreOutageIT needs Debian's postgresql package (apt-get install postgresql; CI installs it)");
        Path work = Reliability.work("store-outage");
        Path data = work.resolve("data");
        Reliability.Figures figures = new Reliability.Figures("store-outage", WEBHOOKS, SUBSCRIPTIONS);
        int simulatorPort = Projects.freePort();
        int bridgePort = Projects.freePort();
        // The simulator starts beside the store and the bridge (the bridge needs it only once webhooks come).
        ExecutorService starter = Executors.newSingleThreadExecutor();
        Future<Simulator> starting = starter.submit(() -> Reliability.simulator(simulatorPort, bridgePort, work));
        try (PostgresServer postgres = PostgresServer.create(work.resolve("pg"), Projects.freePort())) {
            postgres.start();
            postgres.createDatabase("bridge");
            figures.row("store", "PostgreSQL " + postgres.version() + " on 127.0.0.1:" + postgres.port() + " (fresh cluster, "
                    + (PostgresServer.root() ? "run as user postgres, the test being root" : "run as the test's user") + ")");
            List<String> arguments = new ArrayList<>(List.of("--spring.profiles.active=simulated",
                    "--bridge.simulator.url=http://127.0.0.1:" + simulatorPort, "--server.port=" + bridgePort,
                    "--bridge.broker.data-dir=" + data,
                    "--bridge.store.url=" + postgres.jdbcUrl("bridge"), "--bridge.store.username=" + PostgresServer.USER,
                    "--bridge.broker.max-delivery-attempts=" + attempts, "--bridge.broker.redelivery-delay=1s",
                    "--bridge.broker.redelivery-multiplier=2.0", "--bridge.broker.max-redelivery-delay=2s"));
            try (JavaProcess bridge = JavaProcess.start("bridge", Projects.bridgeJar(), Projects.productionJvmOptions(), arguments,
                            bridgePort, work.resolve("bridge.log"));
                    Readiness readiness = new Readiness(bridge.url())) {
                Simulator simulator = starting.get(3, TimeUnit.MINUTES);
                assertThat(simulator.bridgeArguments()).as("the simulator's bridge arguments").isSubsetOf(arguments);
                bridge.awaitReady("/actuator/health/readiness", Duration.ofMinutes(3));
                figures.row("bridge retry budget", attempts + " attempts, 1 s doubling to 2 s (about " + (2 * attempts / 60) + " min)");
                readiness.start();

                simulator.reset();
                simulator.prepare(SUBSCRIPTIONS, WEBHOOKS, Reliability.MIX, Reliability.SEED, work.resolve("load.tsv"));
                Set<String> operations = Reliability.operations(work);
                Map<String, Set<String>> bySubscription = operationsBySubscription(work);
                long started = System.nanoTime();
                Reliability.send(simulator);

                List<String> outages = new ArrayList<>();
                List<Boolean> downSeen = new ArrayList<>();
                List<Boolean> upAfter = new ArrayList<>();
                for (int index = 0; index < modes.size(); index++) {
                    String mode = modes.get(index).trim();
                    int point = WEBHOOKS * (index + 1) / (modes.size() + 2);
                    await().atMost(Reliability.TIMEOUT).pollInterval(Duration.ofMillis(50))
                            .until(() -> simulator.report().path("webhooks").path("acknowledged").asInt() >= point);
                    JsonNode before = simulator.report();
                    long stopAt = System.nanoTime();
                    postgres.stop(mode);
                    String stoppedAt = Reliability.seconds(started);
                    // At least outage-seconds, and until readiness said DOWN (bounded: a readiness that never goes down fails below).
                    long least = stopAt + outage.toNanos();
                    await().atMost(outage.plusMinutes(2)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(100))
                            .untilAsserted(() -> assertThat(System.nanoTime() >= least && readiness.downSince(stopAt))
                                    .as("outage-seconds passed and readiness DOWN since the stop; " + readiness.summary()).isTrue());
                    boolean down = readiness.downSince(stopAt);
                    JsonNode during = simulator.report();
                    Map<String, Integer> deadDuring = Reliability.deadLetters(bridge.url());
                    long restartAt = System.nanoTime();
                    postgres.start();
                    String restartedAt = Reliability.seconds(started);
                    boolean up = await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(100))
                            .until(() -> readiness.upSince(restartAt), Boolean::booleanValue);
                    String upAt = Reliability.seconds(started);
                    downSeen.add(down);
                    upAfter.add(up);
                    JsonNode webhooksBefore = before.path("webhooks");
                    JsonNode webhooksDuring = during.path("webhooks");
                    int acknowledgedDuring = webhooksDuring.path("acknowledged").asInt() - webhooksBefore.path("acknowledged").asInt();
                    int callsDuring = webhooksDuring.path("attempts").asInt() - webhooksBefore.path("attempts").asInt();
                    outages.add("pg_ctl stop -m " + mode + " at " + stoppedAt + " (" + webhooksBefore.path("acknowledged").asInt()
                            + " acknowledged), started again at " + restartedAt + ", ready again at " + upAt + "; during it: "
                            + callsDuring + " webhook calls, " + acknowledgedDuring + " answered 2xx, " + (callsDuring - acknowledgedDuring)
                            + " not (503 or no answer); " + delivered(during, before) + " deliveries; dead letters "
                            + total(deadDuring) + "; readiness " + readiness.during(stopAt, restartAt));
                }
                figures.row("store outages", String.join("; ", outages));

                JsonNode report = Reliability.awaitEverything(simulator, WEBHOOKS, data, operations, more ->
                        assertThat(deliveredInRegistry(postgres, operations)).as("(event, system) recorded delivered in the registry")
                                .isEqualTo(4 * WEBHOOKS));
                String wall = Reliability.seconds(started);
                JsonNode webhooks = report.path("webhooks");
                Reliability.Audit audit = Reliability.audit(data, operations);
                Map<String, Integer> dead = Reliability.deadLetters(bridge.url());
                Timeline sql = timelineInStore(postgres, operations);
                Timeline api = timelineThroughApi(bridge.url(), bySubscription);
                readiness.close();

                figures.webhooks(webhooks);
                figures.systems(report);
                figures.row("audit file: events / repeated lines", audit.events() + " / " + audit.repeatedLines());
                figures.acknowledgements(report, work);
                figures.row("timeline in the store (subscription_event): events / rows / duplicate (subscription, event) rows",
                        sql.events() + " / " + sql.rows() + " / " + sql.duplicates());
                figures.row("timeline through GET /api/subscriptions/{id}/events: subscriptions / events / listed twice / "
                        + "missing / not delivered to every system", bySubscription.size() + " / " + api.events() + " / "
                        + api.duplicates() + " / " + api.missing() + " / " + api.undelivered());
                figures.row("readiness probes (every 250 ms)", readiness.summary());
                figures.row("dead letters after", total(dead) + " " + dead);
                figures.row("wall time (send → last delivery, audit line and registry entry)", wall);
                figures.write();

                assertThat(webhooks.path("givenUp").asInt()).as("webhooks the simulator gave up").isZero();
                // The intake needs only the broker: every call is answered 2xx, outages included (a 503 or no answer
                // within the simulator's 10 s would be a call more than the webhooks).
                assertThat(webhooks.path("attempts").asInt()).as("webhook calls: none answered other than 2xx, or not at all")
                        .isEqualTo(webhooks.path("acknowledged").asInt());
                for (String system : SYSTEMS) {
                    assertThat(report.path(system).path("distinctKeys").asInt()).as(system + " events").isGreaterThanOrEqualTo(WEBHOOKS);
                    assertThat(report.path(system).path("neverDelivered").asInt()).as(system + " lost").isZero();
                    assertThat(report.path(system).path("outOfOrder").asInt()).as(system + " out of order").isZero();
                }
                assertThat(audit.events()).as("events in the audit file").isEqualTo(operations.size());
                assertThat(dead).as("dead letters").allSatisfy((queue, messages) -> assertThat(messages).as(queue).isZero());
                assertThat(downSeen).as("readiness DOWN during each outage (" + modes + ")").containsOnly(true);
                assertThat(upAfter).as("readiness UP after each outage").containsOnly(true);
                assertThat(sql.duplicates()).as("duplicate timeline rows in subscription_event").isZero();
                assertThat(sql.events()).as("the burst's events in subscription_event").isEqualTo(WEBHOOKS);
                assertThat(sql.rows()).as("subscription_event rows of the burst's events").isEqualTo(WEBHOOKS);
                assertThat(api.duplicates()).as("events listed twice in a timeline").isZero();
                assertThat(api.missing()).as("events missing from their subscription's timeline").isZero();
                assertThat(api.events()).as("events in the timelines").isEqualTo(WEBHOOKS);
                assertThat(api.undelivered()).as("timeline events not delivered to every system").isZero();
                assertThat(Reliability.secretsInBridgeLogs(work)).as("secrets or tokens in the bridge's logs").isEmpty();
            }
        } finally {
            starter.shutdown();
            try {
                starting.get(3, TimeUnit.MINUTES).close();
            } catch (ExecutionException notStarted) {
                // Simulator.start failed: nothing runs (the test has failed on it)
            }
        }
    }

    /** The burst's operation ids by subscription (load.tsv: the notification's {@code subscriptionId}). */
    private static Map<String, Set<String>> operationsBySubscription(Path work) throws IOException {
        Map<String, Set<String>> operations = new TreeMap<>();
        for (String line : Files.readAllLines(work.resolve("load.tsv"))) {
            String[] fields = line.split("\t", 3);
            String subscription = Reliability.JSON.readTree(fields[2]).path("subscriptionId").asText();
            operations.computeIfAbsent(subscription, id -> new HashSet<>()).add(fields[0]);
        }
        return operations;
    }

    /** How the registry holds the burst's events: distinct events, rows, rows beyond the first per (subscription, event). */
    record Timeline(int events, int rows, int duplicates, int missing, int undelivered) {
    }

    private static Timeline timelineInStore(PostgresServer postgres, Set<String> operations) throws SQLException {
        Map<String, Integer> rows = new HashMap<>();
        try (Connection connection = postgres.connect("bridge"); Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery(
                        "SELECT subscription_id, event_id, COUNT(*) FROM subscription_event GROUP BY subscription_id, event_id")) {
            while (result.next()) {
                if (operations.contains(result.getString(2))) {
                    rows.merge(result.getString(2), result.getInt(3), Integer::sum);
                }
            }
        }
        int total = rows.values().stream().mapToInt(Integer::intValue).sum();
        return new Timeline(rows.size(), total, total - rows.size(), operations.size() - rows.size(), 0);
    }

    /** Rows of the {@code delivery} table that record one of the burst's events delivered (4 systems: audit included). */
    private static int deliveredInRegistry(PostgresServer postgres, Set<String> operations) {
        int delivered = 0;
        try (Connection connection = postgres.connect("bridge"); Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery("SELECT event_id FROM delivery WHERE outcome = 'delivered'")) {
            while (result.next()) {
                if (operations.contains(result.getString(1))) {
                    delivered++;
                }
            }
        } catch (SQLException notYet) {
            return -1;
        }
        return delivered;
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String INTEGRATION = basic("integration:simulated-integration");

    /** Every subscription's timeline through the registry API, against the burst's events of that subscription. */
    private static Timeline timelineThroughApi(String bridgeUrl, Map<String, Set<String>> bySubscription)
            throws IOException, InterruptedException {
        int events = 0;
        int duplicates = 0;
        int missing = 0;
        int undelivered = 0;
        for (Map.Entry<String, Set<String>> subscription : bySubscription.entrySet()) {
            HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(URI.create(bridgeUrl + "/api/subscriptions/"
                    + subscription.getKey() + "/events")).timeout(Duration.ofSeconds(60)).header("Authorization", INTEGRATION)
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(answer.statusCode()).as("GET /api/subscriptions/" + subscription.getKey() + "/events: " + answer.body())
                    .isEqualTo(200);
            Map<String, Integer> listed = new HashMap<>();
            for (JsonNode event : Reliability.JSON.readTree(answer.body()).path("events")) {
                String id = event.path("eventId").asText();
                if (!subscription.getValue().contains(id)) {
                    continue;
                }
                listed.merge(id, 1, Integer::sum);
                Set<String> systems = new HashSet<>();
                for (JsonNode delivery : event.path("deliveries")) {
                    if ("delivered".equals(delivery.path("outcome").asText())) {
                        systems.add(delivery.path("system").asText());
                    }
                }
                if (!systems.containsAll(List.of("audit", "billing", "crm", "provisioning"))) {
                    undelivered++;
                }
            }
            events += listed.size();
            duplicates += listed.values().stream().mapToInt(count -> count - 1).sum();
            missing += subscription.getValue().size() - listed.size();
        }
        return new Timeline(events, events + duplicates, duplicates, missing, undelivered);
    }

    private static int delivered(JsonNode now, JsonNode before) {
        return SYSTEMS.stream().mapToInt(system -> now.path(system).path("deliveries").asInt()
                - before.path(system).path("deliveries").asInt()).sum();
    }

    private static int total(Map<String, Integer> counts) {
        return counts.values().stream().mapToInt(Integer::intValue).sum();
    }

    /**
     * Polls {@code /actuator/health/readiness} every 250 ms in the background and keeps each answer: its time, and
     * {@code UP} (200), {@code DOWN} (503) or no answer within 15 s, and how long the answer took.
     */
    private static final class Readiness implements AutoCloseable {

        record Probe(long at, String state, long millis) {
        }

        private final HttpRequest probe;
        private final List<Probe> probes = new CopyOnWriteArrayList<>();
        private final Thread thread;
        private volatile boolean stop;

        Readiness(String bridgeUrl) {
            probe = HttpRequest.newBuilder(URI.create(bridgeUrl + "/actuator/health/readiness")).timeout(Duration.ofSeconds(15))
                    .GET().build();
            thread = new Thread(this::poll, "readiness-probe");
            thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        private void poll() {
            while (!stop) {
                long at = System.nanoTime();
                String state;
                try {
                    int status = HTTP.send(probe, HttpResponse.BodyHandlers.discarding()).statusCode();
                    state = status == 200 ? "UP" : status == 503 ? "DOWN" : "HTTP " + status;
                } catch (IOException noAnswer) {
                    state = "no answer";
                } catch (InterruptedException interrupted) {
                    return;
                }
                probes.add(new Probe(at, state, (System.nanoTime() - at) / 1_000_000));
                try {
                    Thread.sleep(Math.max(0, 250 - (System.nanoTime() - at) / 1_000_000));
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }

        /** A probe sent after {@code since} answered DOWN. */
        boolean downSince(long since) {
            return probes.stream().anyMatch(probe -> probe.at() >= since && probe.state().equals("DOWN"));
        }

        /** A probe sent after {@code since} answered UP. */
        boolean upSince(long since) {
            return probes.stream().anyMatch(probe -> probe.at() >= since && probe.state().equals("UP"));
        }

        /** The answers between {@code from} and {@code to}: the first DOWN after {@code from}, and counts per state. */
        String during(long from, long to) {
            Map<String, Integer> counts = new TreeMap<>();
            Long firstDown = null;
            long slowest = 0;
            for (Probe probe : probes) {
                if (probe.at() >= from && probe.at() < to) {
                    counts.merge(probe.state(), 1, Integer::sum);
                    slowest = Math.max(slowest, probe.millis());
                    if (firstDown == null && probe.state().equals("DOWN")) {
                        firstDown = probe.at();
                    }
                }
            }
            return (firstDown == null ? "never DOWN" : String.format(java.util.Locale.ROOT, "DOWN %.1f s after the stop",
                    (firstDown - from) / 1e9)) + " " + counts + ", slowest answer " + slowest + " ms";
        }

        /** Each change of state, in order, with its time since the first probe. */
        String summary() {
            List<String> changes = new ArrayList<>();
            String previous = null;
            long first = probes.isEmpty() ? 0 : probes.get(0).at();
            for (Probe probe : probes) {
                if (!probe.state().equals(previous)) {
                    changes.add(String.format(java.util.Locale.ROOT, "%s at %.1f s", probe.state(), (probe.at() - first) / 1e9));
                    previous = probe.state();
                }
            }
            return probes.size() + " probes; " + String.join(", ", changes);
        }

        @Override
        public void close() throws InterruptedException {
            stop = true;
            thread.interrupt();
            thread.join(10_000);
        }
    }
}
