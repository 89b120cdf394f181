package io.marketplacebridge.reliability;

import static io.marketplacebridge.Logins.basic;
import static io.marketplacebridge.reliability.Reliability.JSON;
import static io.marketplacebridge.reliability.Reliability.SYSTEMS;
import static io.marketplacebridge.reliability.Reliability.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.marketplacebridge.process.JavaProcess;
import io.marketplacebridge.process.Projects;
import io.marketplacebridge.process.Simulator;
import java.math.BigDecimal;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Issue 20, scenario 1, the flows beside the webhook (docs/reliability.md): the packaged bridge, against the standalone
 * simulator, is killed with {@code kill -9} while four flows run at once, and started again on the same data
 * directory. Before: subscriptions the bridge knows (landed, activated), with usage recorded for closed hours, half of
 * them renewed at Microsoft without a webhook, and purchases nobody lands. Then a reconciliation run (paced, so it
 * lasts), buyers opening the landing pages of fresh purchases, the publisher's quantity changes (in progress at
 * Microsoft for a few seconds, polled by the bridge) and a metering report; the kill comes once a seeded number of
 * the pages has answered. A buyer whose page failed reloads
 * it; the publisher repeats a change only when it never reached the bridge; the operator asks for the report again.
 * What a user checks afterwards: each purchase activated at Microsoft once and its {@code Purchased} at provisioning,
 * billing, the CRM and the audit file; each accepted change made at Microsoft once and its operation final in the
 * bridge's API; the run {@code Completed} with each repair published, and a later run finding nothing left to
 * repair; each usage hour at Microsoft once with its whole quantity. Repeats with the same idempotency key are
 * allowed (the systems deduplicate by it) and counted. Sizes: {@code -Dreliability.purchases}, {@code .seed}.
 */
class CrashDuringFlowsIT {

    /**
     * Purchases landed around the kill, and as many known before it: half of those get a quantity change, half a
     * renewal nobody announced.
     */
    private static final int PURCHASES = Integer.getInteger("reliability.purchases", 20);
    /** Purchases nobody lands: reconciliation finds them. */
    private static final int UNLANDED = Math.max(1, PURCHASES / 5);
    private static final List<String> DIMENSIONS = List.of("api-calls", "messages");
    /** Closed hours of usage per subscription and dimension, each made of two records. */
    private static final int HOURS = 3;
    private static final int QUANTITY = 10;
    private static final int CHANGED_QUANTITY = 20;
    private static final String OPERATOR = basic("admin:simulated-admin");
    private static final String INTEGRATION = basic("integration:simulated-integration");
    /** How long Microsoft keeps a publisher's change InProgress: the bridge is killed while it polls. */
    private static final int OPERATION_SECONDS = 3;

    private final Random random = new Random(Reliability.SEED);
    /** The bridge now running; the request threads read it while the test restarts it. */
    private volatile JavaProcess bridge;

    @Test
    void everyAcceptedLandingOperationRunAndUsageHourTakesEffectOnceAfterKills() throws Exception {
        Path work = Reliability.work("crash-flows");
        Path data = work.resolve("data");
        Reliability.Figures figures = new Reliability.Figures("crash-flows", PURCHASES + " purchases landed around the kill, "
                + UNLANDED + " nobody landed; over " + PURCHASES + " subscriptions known before: " + PURCHASES / 2
                + " quantity changes, " + (PURCHASES - PURCHASES / 2) + " renewals nobody announced, "
                + PURCHASES * DIMENSIONS.size() * HOURS + " usage hours");
        int bridgePort = Projects.freePort();
        ExecutorService buyers = Executors.newFixedThreadPool(2);
        ExecutorService publisher = Executors.newFixedThreadPool(2);
        ExecutorService reporter = Executors.newSingleThreadExecutor();
        try (Simulator simulator = Reliability.simulator(Projects.freePort(), bridgePort, work)) {
            simulator.post("/sandbox/operations/behaviour", "{\"seconds\": " + OPERATION_SECONDS + "}");
            List<String> arguments = Reliability.bridgeArguments(simulator, bridgePort, data,
                    "--bridge.store.url=" + Reliability.storeUrl(data), "--bridge.store.username=bridge",
                    "--bridge.operations.poll-interval=1s", "--bridge.operations.max-poll-interval=2s",
                    "--bridge.metering.grace=0s", "--bridge.metering.interval=1h", "--bridge.metering.lease=15s",
                    "--bridge.reconcile.pace=250ms");
            bridge = Reliability.startBridge(arguments, bridgePort, work, 0);
            try {
                // Before the kill: subscriptions the bridge knows, with usage, and what reconciliation will find.
                List<String> base = new ArrayList<>();
                AtomicInteger setupReloads = new AtomicInteger();
                for (Map.Entry<String, String> purchase : purchases(simulator, PURCHASES).entrySet()) {
                    base.add(purchase.getKey());
                    await().atMost(TIMEOUT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(500))
                            .until(() -> land(purchase.getValue(), setupReloads));
                }
                awaitActivated(simulator, base);
                List<String> changed = base.subList(0, PURCHASES / 2);
                List<String> renewed = base.subList(PURCHASES / 2, PURCHASES);
                Map<String, BigDecimal> hours = recordUsage(data, base);
                for (String subscription : renewed) {
                    simulator.post("/sandbox/subscriptions/" + subscription + "/webhooks", "{\"action\":\"Renew\",\"deliver\":false}");
                }
                List<String> unlanded = List.copyOf(purchases(simulator, UNLANDED).keySet());
                Map<String, String> links = purchases(simulator, PURCHASES);
                List<String> landed = List.copyOf(links.keySet());

                // All at once: a reconciliation run, a metering report, the publisher's changes, buyers landing.
                long started = System.nanoTime();
                String runId = startRun();
                Future<HttpResponse<String>> report = reporter.submit(() ->
                        Http.json("POST", uri("/api/admin/metering/report"), OPERATOR, null));
                Map<String, String> operations = new ConcurrentHashMap<>();
                AtomicInteger unanswered = new AtomicInteger();
                AtomicInteger refused = new AtomicInteger();
                List<Future<?>> requests = new ArrayList<>();
                for (String subscription : changed) {
                    requests.add(publisher.submit(() -> {
                        changeQuantity(subscription, operations, unanswered, refused);
                        return null;
                    }));
                }
                AtomicInteger answered = new AtomicInteger();
                AtomicInteger reloads = new AtomicInteger();
                for (String link : links.values()) {
                    requests.add(buyers.submit(() -> {
                        await().atMost(TIMEOUT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(500))
                                .until(() -> land(link, reloads));
                        answered.incrementAndGet();
                        return null;
                    }));
                }
                int landingKill = Reliability.killPoint(random, PURCHASES);
                await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(10)).until(() -> answered.get() >= landingKill);
                bridge.kill();
                String atKill = answered.get() + " of " + PURCHASES + " landing pages answered, " + activated(simulator, landed)
                        + " activated; " + operations.size() + " of " + changed.size() + " changes accepted, "
                        + settledAtMicrosoft(simulator, changed) + " settled at Microsoft; " + keys(simulator, "billing",
                        "snapshot:" + runId).size() + " of " + renewed.size() + " repairs at billing; "
                        + simulator.report().path("metering").path("accepted").asInt() + " of " + hours.size()
                        + " usage hours at Microsoft (the report " + reportState(report) + ")";
                bridge = Reliability.startBridge(arguments, bridgePort, work, 1);
                for (Future<?> request : requests) {
                    request.get();
                }
                awaitActivated(simulator, landed);
                awaitReported(base, hours);
                JsonNode run = awaitRun(runId);
                awaitSettled(operations);
                awaitActivated(simulator, unlanded);
                String wall = Reliability.seconds(started);
                JsonNode laterRun = awaitRun(startRun());
                figures.row("kill -9 point (seeded), at", atKill);

                Set<String> repairKeys = new HashSet<>();
                renewed.forEach(subscription -> repairKeys.add("snapshot:" + runId + ":" + subscription));
                Set<String> changeKeys = new HashSet<>();
                Map<String, Integer> changesAtMicrosoft = new LinkedHashMap<>();
                for (String subscription : changed) {
                    List<String> partnerChanges = partnerChanges(simulator, subscription);
                    changesAtMicrosoft.put(subscription, partnerChanges.size());
                    if (operations.containsKey(subscription)) {
                        changeKeys.addAll(partnerChanges);
                    }
                }
                Set<String> usageKeys = new HashSet<>();
                hours.keySet().forEach(hour -> usageKeys.add("usage:" + hour.replace('/', ':')));

                Delivered landings = delivered(simulator, data, "purchase:", landed.stream().map(id -> "purchase:" + id).toList());
                figures.row("landing: pages / answered / reloads after a failed page", PURCHASES + " / " + answered.get() + " / "
                        + reloads.get());
                Map<String, Integer> activations = activateCalls(simulator, landed);
                figures.row("landing: activated at Microsoft once / more than once / never", count(activations, 1) + " / "
                        + activations.values().stream().filter(calls -> calls > 1).count() + " / " + count(activations, 0));
                figures.row("landing: Purchased " + Delivered.HEADING, landings);

                figures.row("publisher operations: requested / accepted (202) / refused / unanswered (the kill)", changed.size()
                        + " / " + operations.size() + " / " + refused.get() + " / " + unanswered.get());
                Map<String, Integer> acceptedChanges = new LinkedHashMap<>(changesAtMicrosoft);
                acceptedChanges.keySet().retainAll(operations.keySet());
                figures.row("publisher operations: accepted, made at Microsoft once / twice or more / never",
                        count(acceptedChanges, 1) + " / " + acceptedChanges.values().stream().filter(n -> n > 1).count() + " / "
                                + count(acceptedChanges, 0));
                Map<String, String> states = operationStates(operations);
                figures.row("publisher operations: final state in the bridge's API", states.values().stream()
                        .collect(java.util.stream.Collectors.groupingBy(state -> state, java.util.TreeMap::new,
                                java.util.stream.Collectors.counting())));
                Delivered changes = delivered(simulator, data, "", changeKeys);
                figures.row("publisher operations: QuantityChanged " + Delivered.HEADING, changes);

                Delivered repairs = delivered(simulator, data, "snapshot:", repairKeys);
                Delivered found = delivered(simulator, data, "purchase:", unlanded.stream().map(id -> "purchase:" + id).toList());
                figures.row("reconciliation: run status / attempts / subscriptions seen / drift found / purchases found / errors",
                        run.path("status").asText() + " / " + run.path("attempts").asInt() + " / "
                                + run.path("subscriptionsSeen").asInt() + " / " + run.path("driftFound").asInt() + " / "
                                + run.path("purchasesFound").asInt() + " / " + run.path("errorCount").asInt());
                figures.row("reconciliation: Snapshot of the " + renewed.size() + " unannounced renewals " + Delivered.HEADING,
                        repairs);
                figures.row("reconciliation: Purchased of the " + UNLANDED + " unlanded purchases " + Delivered.HEADING, found);
                Map<String, Integer> foundActivations = activateCalls(simulator, unlanded);
                figures.row("reconciliation: unlanded purchases activated once / more than once / never", count(foundActivations, 1)
                        + " / " + foundActivations.values().stream().filter(calls -> calls > 1).count() + " / "
                        + count(foundActivations, 0));
                figures.row("reconciliation: a later run: status / drift found / purchases found", laterRun.path("status").asText()
                        + " / " + laterRun.path("driftFound").asInt() + " / " + laterRun.path("purchasesFound").asInt());

                Metered metered = metered(simulator, hours);
                figures.row("metering: usage hours / at Microsoft once with the whole quantity / with another quantity / lost"
                        + " / sent again (Microsoft answered Duplicate)", hours.size() + " / " + metered.exact() + " / "
                        + metered.wrong() + " / " + metered.missing() + " / " + simulator.report().path("metering")
                        .path("hoursReportedMoreThanOnce").asInt());
                Delivered usageReported = delivered(simulator, data, "usage:", usageKeys);
                figures.row("metering: UsageReported " + Delivered.HEADING, usageReported);
                int deadLetters = Reliability.deadLetters(bridge.url()).values().stream().mapToInt(Integer::intValue).sum();
                figures.row("dead letters", deadLetters);
                figures.row("wall time (the run queued → everything settled, the restart included)", wall);
                figures.write();

                assertThat(activations).as("Activate calls per landed purchase").allSatisfy((id, calls) -> assertThat(calls).isOne());
                assertThat(landings.lost()).as("Purchased lost: " + landings).isZero();
                assertThat(acceptedChanges).as("changes made at Microsoft per accepted request")
                        .allSatisfy((id, made) -> assertThat(made).isOne());
                assertThat(changesAtMicrosoft).as("changes made at Microsoft per request").allSatisfy((id, made) ->
                        assertThat(made).isLessThanOrEqualTo(1));
                assertThat(states).as("accepted operations' state").allSatisfy((id, state) -> assertThat(state).isEqualTo("Succeeded"));
                assertThat(changes.lost()).as("QuantityChanged lost: " + changes).isZero();
                assertThat(run.path("status").asText()).as("the run: " + run).isEqualTo("Completed");
                assertThat(run.path("errorCount").asInt()).as("the run's errors: " + run).isZero();
                assertThat(run.path("subscriptionsSeen").asInt()).as("subscriptions the run saw")
                        .isEqualTo(2 * PURCHASES + UNLANDED);
                assertThat(repairs.lost()).as("repairs lost: " + repairs).isZero();
                assertThat(repairKeysOfRun(simulator, runId)).as("repairs of the run, by subscription")
                        .containsAll(repairKeys);
                assertThat(found.lost()).as("Purchased of unlanded purchases lost: " + found).isZero();
                assertThat(foundActivations).as("Activate calls per unlanded purchase").allSatisfy((id, calls) ->
                        assertThat(calls).isOne());
                assertThat(laterRun.path("status").asText()).as("a later run: " + laterRun).isEqualTo("Completed");
                assertThat(laterRun.path("driftFound").asInt() + laterRun.path("purchasesFound").asInt())
                        .as("what a later run repairs: " + laterRun).isZero();
                assertThat(metered.wrong() + metered.missing() + metered.unexpected()).as("usage hours at Microsoft: " + metered)
                        .isZero();
                assertThat(usageReported.lost()).as("UsageReported lost: " + usageReported).isZero();
                assertThat(deadLetters).as("dead letters").isZero();
                assertThat(Reliability.secretsInBridgeLogs(work)).as("secrets or tokens in the bridge's logs").isEmpty();
            } finally {
                bridge.close();
            }
        } finally {
            buyers.shutdownNow();
            publisher.shutdownNow();
            reporter.shutdownNow();
        }
    }

    /**
     * Buys {@code count} test subscriptions of plan basic with {@link #QUANTITY} seats: their ids and the landing links
     * the marketplace hands the buyers.
     */
    private static Map<String, String> purchases(Simulator simulator, int count) throws Exception {
        Map<String, String> links = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            JsonNode purchase = JSON.readTree(simulator.post("/sandbox/purchases", "{\"planId\":\"basic\",\"quantity\":"
                    + QUANTITY + ",\"csp\":false}"));
            links.put(purchase.path("subscriptionId").asText(), purchase.path("landingUrl").asText());
        }
        return links;
    }

    /**
     * Opens the landing page as the buyer does: true when it shows the purchase, being set up or (a reload after the
     * restarted bridge activated it from provisioning's answer) already active; a failed page counts a reload.
     */
    private static boolean land(String link, AtomicInteger reloads) {
        try {
            HttpResponse<String> page = Http.send("GET", URI.create(link), Map.of("Accept", "text/html"), null);
            if (page.statusCode() == 200 && (page.body().contains("Thank you for your purchase")
                    || page.body().contains("This subscription is active"))) {
                return true;
            }
        } catch (Exception failed) {
            // the bridge was killed or is starting: the buyer reloads
        }
        reloads.incrementAndGet();
        return false;
    }

    /**
     * Asks the bridge for a quantity change as the publisher's system does: tried again while the bridge cannot be
     * reached (nothing was sent), never after a request that may have arrived.
     */
    private void changeQuantity(String subscription, Map<String, String> operations, AtomicInteger unanswered,
            AtomicInteger refused) {
        await().atMost(TIMEOUT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(500)).until(() -> {
            HttpResponse<String> answer;
            try {
                answer = Http.json("POST", uri("/api/subscriptions/" + subscription + "/quantity"), INTEGRATION,
                        "{\"quantity\":" + CHANGED_QUANTITY + "}");
            } catch (ConnectException notSent) {
                return false;
            } catch (Exception lost) {
                unanswered.incrementAndGet();
                return true;
            }
            if (answer.statusCode() == 202) {
                operations.put(subscription, JSON.readTree(answer.body()).path("operationId").asText());
            } else if (answer.statusCode() == 503) {
                return false;
            } else {
                refused.incrementAndGet();
            }
            return true;
        });
    }

    /**
     * Dates the landed subscriptions' events back 8 hours in the bridge's store, so that the registry knows them
     * {@code Subscribed} in the closed hours before now, and records two usage records per hour, subscription and
     * dimension for {@link #HOURS} hours; the expected total of each hour, by {@code subscription/dimension/hour}.
     */
    private Map<String, BigDecimal> recordUsage(Path data, List<String> subscriptions) throws Exception {
        try (Connection store = DriverManager.getConnection(Reliability.storeUrl(data), "bridge", "")) {
            for (String subscription : subscriptions) {
                try (PreparedStatement back = store.prepareStatement("UPDATE subscription_event SET occurred_at"
                        + " = occurred_at - INTERVAL '8' HOUR WHERE subscription_id = ?")) {
                    back.setString(1, subscription);
                    assertThat(back.executeUpdate()).as("events of %s dated back", subscription).isPositive();
                }
            }
        }
        Instant now = Instant.now().truncatedTo(ChronoUnit.HOURS);
        Map<String, BigDecimal> hours = new LinkedHashMap<>();
        List<String> records = new ArrayList<>();
        for (String subscription : subscriptions) {
            for (String dimension : DIMENSIONS) {
                for (int back = 1; back <= HOURS; back++) {
                    Instant hour = now.minus(Duration.ofHours(back));
                    BigDecimal first = BigDecimal.valueOf(1 + random.nextInt(50));
                    BigDecimal second = new BigDecimal(random.nextInt(1000)).movePointLeft(2).add(BigDecimal.ONE);
                    hours.put(subscription + "/" + dimension + "/" + hour, first.add(second));
                    for (Object[] record : List.of(new Object[] {first, 10}, new Object[] {second, 40})) {
                        records.add("{\"subscriptionId\":\"" + subscription + "\",\"dimension\":\"" + dimension
                                + "\",\"quantity\":" + record[0].toString() + ",\"timestamp\":\""
                                + hour.plus(Duration.ofMinutes((Integer) record[1])) + "\"}");
                    }
                }
            }
        }
        for (int from = 0; from < records.size(); from += 500) {
            String list = "[" + String.join(",", records.subList(from, Math.min(records.size(), from + 500))) + "]";
            HttpResponse<String> taken = Http.json("POST", uri("/api/usage"), INTEGRATION, list);
            assertThat(taken.statusCode()).as("usage records: " + taken.body()).isEqualTo(202);
        }
        return hours;
    }

    /** What became of the report the kill came in: running, cut (no answer), or answered with its status. */
    private static String reportState(Future<HttpResponse<String>> report) {
        if (!report.isDone()) {
            return "running";
        }
        try {
            return "answered " + report.get().statusCode();
        } catch (Exception cut) {
            return "cut by the kill";
        }
    }

    /** Queues a reconciliation run (operator); its id. */
    private String startRun() throws Exception {
        HttpResponse<String> queued = Http.json("POST", uri("/api/admin/reconcile"), OPERATOR, null);
        assertThat(queued.statusCode()).as("reconciliation run: " + queued.body()).isEqualTo(202);
        String location = queued.headers().firstValue("Location").orElseThrow();
        return location.substring(location.lastIndexOf('/') + 1);
    }

    /** Waits until the run has ended (Completed, Incomplete or Failed); the run as the bridge shows it. */
    private JsonNode awaitRun(String runId) {
        return await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(250)).until(() -> {
            HttpResponse<String> run = Http.json("GET", uri("/api/admin/reconcile/" + runId), OPERATOR, null);
            return run.statusCode() == 200 ? JSON.readTree(run.body()) : null;
        }, run -> run != null && List.of("Completed", "Incomplete", "Failed").contains(run.path("status").asText()));
    }

    /** Reports again (the run the kill interrupted left the hours submitted) until every hour is reported. */
    private void awaitReported(List<String> subscriptions, Map<String, BigDecimal> hours) {
        await().atMost(TIMEOUT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            Http.json("POST", uri("/api/admin/metering/report"), OPERATOR, null);
            int reported = 0;
            for (String subscription : subscriptions) {
                HttpResponse<String> usage = Http.json("GET", uri("/api/subscriptions/" + subscription + "/usage"), OPERATOR, null);
                for (JsonNode hour : JSON.readTree(usage.body()).path("hours")) {
                    reported += "reported".equals(hour.path("state").asText()) ? 1 : 0;
                }
            }
            assertThat(reported).as("usage hours reported").isEqualTo(hours.size());
        });
    }

    /** Waits until every accepted operation is settled in the bridge's API. */
    private void awaitSettled(Map<String, String> operations) {
        await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                assertThat(operationStates(operations)).allSatisfy((id, state) ->
                        assertThat(state).isNotIn("Accepted", "InProgress", "Open")));
    }

    private Map<String, String> operationStates(Map<String, String> operations) throws Exception {
        Map<String, String> states = new LinkedHashMap<>();
        for (String operation : operations.values()) {
            HttpResponse<String> answer = Http.json("GET", uri("/api/operations/" + operation), INTEGRATION, null);
            states.put(operation, JSON.readTree(answer.body()).path("status").asText());
        }
        return states;
    }

    /** Waits until Microsoft has each subscription Subscribed and provisioning has its Activated. */
    private static void awaitActivated(Simulator simulator, List<String> subscriptions) {
        await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            assertThat(activated(simulator, subscriptions)).as("subscriptions activated").isEqualTo(subscriptions.size());
            Set<String> expected = new HashSet<>();
            subscriptions.forEach(subscription -> expected.add("activated:" + subscription));
            assertThat(keys(simulator, "provisioning", "activated:").keySet()).as("Activated at provisioning")
                    .containsAll(expected);
        });
    }

    private static int activated(Simulator simulator, List<String> subscriptions) throws Exception {
        int subscribed = 0;
        for (String subscription : subscriptions) {
            JsonNode view = JSON.readTree(simulator.get("/sandbox/subscriptions/" + subscription));
            subscribed += "Subscribed".equals(view.path("subscription").path("saasSubscriptionStatus").asText()) ? 1 : 0;
        }
        return subscribed;
    }

    /** The calls of Activate Microsoft received, per subscription. */
    private static Map<String, Integer> activateCalls(Simulator simulator, List<String> subscriptions) throws Exception {
        Map<String, Integer> calls = new LinkedHashMap<>();
        for (String subscription : subscriptions) {
            calls.put(subscription, JSON.readTree(simulator.get("/sandbox/subscriptions/" + subscription)).path("activateCalls").asInt());
        }
        return calls;
    }

    /** The publisher's quantity changes Microsoft made of the subscription: their operation ids. */
    private static List<String> partnerChanges(Simulator simulator, String subscription) throws Exception {
        List<String> changes = new ArrayList<>();
        for (JsonNode operation : JSON.readTree(simulator.get("/sandbox/subscriptions/" + subscription)).path("operations")) {
            if ("Partner".equals(operation.path("operationRequestSource").asText())
                    && "ChangeQuantity".equals(operation.path("action").asText())) {
                changes.add(operation.path("id").asText());
            }
        }
        return changes;
    }

    /** How many of the subscriptions' publisher changes Microsoft has settled. */
    private static int settledAtMicrosoft(Simulator simulator, List<String> subscriptions) throws Exception {
        int settled = 0;
        for (String subscription : subscriptions) {
            for (JsonNode operation : JSON.readTree(simulator.get("/sandbox/subscriptions/" + subscription)).path("operations")) {
                settled += "Partner".equals(operation.path("operationRequestSource").asText())
                        && !"InProgress".equals(operation.path("status").asText()) ? 1 : 0;
            }
        }
        return settled;
    }

    /** The subscriptions the run repaired, as the keys billing got (one per subscription whatever the attempts). */
    private static Set<String> repairKeysOfRun(Simulator simulator, String runId) throws Exception {
        return keys(simulator, "billing", "snapshot:" + runId + ":").keySet();
    }

    /** The simulator's count of deliveries to {@code system} by idempotency key, for keys starting with {@code prefix}. */
    private static Map<String, JsonNode> keys(Simulator simulator, String system, String prefix) throws Exception {
        JsonNode keys = JSON.readTree(simulator.get("/sandbox/deliveries/keys?system=" + system + "&prefix="
                + URLEncoder.encode(prefix, StandardCharsets.UTF_8)));
        Map<String, JsonNode> counts = new LinkedHashMap<>();
        keys.fields().forEachRemaining(entry -> counts.put(entry.getKey(), entry.getValue()));
        return counts;
    }

    /** How the events of {@code expected} keys reached each system and the audit file. */
    record Delivered(Map<String, int[]> systems, Reliability.Audit audit, int expected) {

        static final String HEADING = "delivered once / again with the same key / lost, per system and the audit file";

        int lost() {
            int lost = expected - audit.events();
            for (int[] counts : systems.values()) {
                lost += counts[2];
            }
            return lost;
        }

        @Override
        public String toString() {
            StringBuilder line = new StringBuilder();
            systems.forEach((system, counts) -> line.append(system).append(' ').append(counts[0]).append(" / ")
                    .append(counts[1]).append(" / ").append(counts[2]).append("; "));
            return line.append("audit ").append(audit.events()).append(" / ").append(audit.repeatedLines()).append(" / ")
                    .append(expected - audit.events()).toString();
        }
    }

    private static Delivered delivered(Simulator simulator, Path data, String prefix, java.util.Collection<String> expected)
            throws Exception {
        Map<String, int[]> systems = new LinkedHashMap<>();
        for (String system : SYSTEMS) {
            Map<String, JsonNode> keys = keys(simulator, system, prefix);
            int once = 0;
            int again = 0;
            int lost = 0;
            for (String key : expected) {
                JsonNode count = keys.get(key);
                if (count == null || count.path("accepted").asInt() == 0) {
                    lost++;
                } else {
                    once++;
                    again += count.path("deliveries").asInt() - 1;
                }
            }
            systems.put(system, new int[] {once, again, lost});
        }
        return new Delivered(systems, Reliability.audit(data, new HashSet<>(expected)), expected.size());
    }

    /** The usage hours at Microsoft against the expected ones. */
    record Metered(int exact, int wrong, int missing, int unexpected) {
    }

    private static Metered metered(Simulator simulator, Map<String, BigDecimal> hours) throws Exception {
        Map<String, Double> atMicrosoft = new LinkedHashMap<>();
        for (JsonNode event : JSON.readTree(simulator.get("/sandbox/usage")).path("usage")) {
            Instant hour = Instant.parse(event.path("effectiveStartTime").asText().replaceAll("(?<!Z)$", "Z"))
                    .truncatedTo(ChronoUnit.HOURS);
            atMicrosoft.put(event.path("resourceId").asText() + "/" + event.path("dimension").asText() + "/" + hour,
                    event.path("quantity").asDouble());
        }
        int exact = 0;
        int wrong = 0;
        int missing = 0;
        for (Map.Entry<String, BigDecimal> hour : hours.entrySet()) {
            Double quantity = atMicrosoft.get(hour.getKey());
            if (quantity == null) {
                missing++;
            } else if (Math.abs(quantity - hour.getValue().doubleValue()) < 1e-9) {
                exact++;
            } else {
                wrong++;
            }
        }
        int unexpected = (int) atMicrosoft.keySet().stream().filter(key -> !hours.containsKey(key)).count();
        return new Metered(exact, wrong, missing, unexpected);
    }

    private static long count(Map<String, Integer> counts, int value) {
        return counts.values().stream().filter(count -> count == value).count();
    }

    private URI uri(String path) {
        return URI.create(bridge.url() + path);
    }
}
