package io.marketplacebridge.reliability;

import static io.marketplacebridge.Logins.basic;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.patch;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import io.marketplacebridge.failure.RetryAfter;
import io.marketplacebridge.process.JavaProcess;
import io.marketplacebridge.process.Projects;
import io.marketplacebridge.webhook.MicrosoftWebhook;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Issue 20, scenario 5 (docs/reliability.md): Microsoft's faults. The packaged bridge runs as its own process; Microsoft
 * (the Fulfillment and metering APIs, Entra ID's token endpoint, the webhook's key set) is {@link MicrosoftSide}, a
 * WireMock server on real sockets in this JVM that injects the faults: {@code 429} with {@code Retry-After} in seconds
 * and as an HTTP date, {@code 401} (an expired token), {@code 500}, a time-out (an answer later than the bridge waits)
 * and a connection reset, each on each call, {@code -Dreliability.fault-times} (1) times before the call succeeds,
 * for {@code -Dreliability.fault-rounds} (1) webhooks each. What a user checks: the webhook's change is acknowledged
 * (Update Operation arrives) and its event delivered once, {@code 429} not retried before its {@code Retry-After}, a
 * {@code 401} answered by a fresh token, nothing dead-lettered; and where the budget runs out (a {@code 500} that
 * never ends) a dead letter with the reason, and no acknowledgement.
 */
class MicrosoftFaultsIT {

    private static final int TIMES = Integer.getInteger("reliability.fault-times", 1);
    private static final int ROUNDS = Integer.getInteger("reliability.fault-rounds", 1);
    private static final Duration TIMEOUT = Duration.ofSeconds(Long.getLong("reliability.timeout", 180));
    /** The bridge's time-out for every call to Microsoft in this run (defaults: 3 s for Get and Update Operation, 10 s). */
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(2);
    private static final int ATTEMPTS = 5;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String OPERATOR = basic("admin:simulated-admin");
    private static final String INTEGRATION = basic("integration:simulated-integration");

    /** One webhook whose handling meets a fault on one call. */
    record Case(String call, String kind, String action, String subscription, String operation, Instant[] sentAt) {

        String operationPath() {
            return "/api/saas/subscriptions/" + subscription + "/operations/" + operation;
        }

        String faultedPath() {
            return operationPath();
        }

        String faultedMethod() {
            return call.equals("updateOperation") ? "PATCH" : "GET";
        }

        @Override
        public String toString() {
            return call + " " + kind + " (" + action + " " + operation + " of subscription " + subscription + ")";
        }
    }

    /** Microsoft's window for the answer to a change: silence after it accepts the change. */
    private static final Duration WINDOW = Duration.ofSeconds(10);

    @Test
    void everyFaultOnEveryCallIsRetriedWithinItsBudgetAndOnlyAnEndlessOneIsDeadLettered() throws Exception {
        Path work = Reliability.work("microsoft-faults");
        Path data = work.resolve("data");
        int bridgePort = Projects.freePort();
        List<String> jvm = new ArrayList<>(Projects.productionJvmOptions());
        try (MicrosoftSide microsoft = MicrosoftSide.start(work, CALL_TIMEOUT.plusMillis(1500))) {
            jvm.addAll(microsoft.bridgeJvmOptions());
            List<String> arguments = new ArrayList<>(microsoft.bridgeArguments());
            arguments.addAll(List.of("--server.port=" + bridgePort, "--bridge.broker.data-dir=" + data,
                    "--bridge.broker.max-delivery-attempts=" + ATTEMPTS, "--bridge.broker.redelivery-delay=500ms",
                    "--bridge.broker.redelivery-multiplier=2.0", "--bridge.broker.max-redelivery-delay=5s",
                    "--bridge.marketplace.request-timeout=" + CALL_TIMEOUT.toSeconds() + "s",
                    "--bridge.marketplace.acknowledgement-timeout=" + CALL_TIMEOUT.toSeconds() + "s",
                    "--bridge.operations.poll-interval=1s", "--bridge.operations.max-poll-interval=2s",
                    "--bridge.metering.grace=0s", "--bridge.metering.interval=1h",
                    // The embedded H2 store, open to this test too (AUTO_SERVER), to date a subscription's start back.
                    "--bridge.store.url=" + Reliability.storeUrl(data), "--bridge.store.username=bridge"));
            arguments.addAll(Reliability.extraBridgeArguments());
            try (JavaProcess bridge = JavaProcess.start("bridge", Projects.bridgeJar(), jvm, arguments, bridgePort,
                    work.resolve("bridge.log"))) {
                bridge.awaitReady("/actuator/health/readiness", Duration.ofMinutes(3));
                long started = System.nanoTime();

                List<Case> cases = new ArrayList<>();
                for (String kind : MicrosoftSide.KINDS) {
                    for (int round = 0; round < ROUNDS; round++) {
                        cases.add(webhookCase(microsoft, "getOperation", kind, "Reinstate"));
                        cases.add(webhookCase(microsoft, "getOperation", kind, "ChangeQuantity"));
                        cases.add(webhookCase(microsoft, "updateOperation", kind, "Reinstate"));
                        cases.add(webhookCase(microsoft, "updateOperation", kind, "ChangeQuantity"));
                    }
                }
                Case endless = endlessCase(microsoft);
                List<Case> all = new ArrayList<>(cases);
                all.add(endless);
                // Metering needs subscriptions the registry knows as Subscribed since before the hour it reports: a
                // Renew each, dated back once published.
                List<Case> metered = new ArrayList<>();
                for (String kind : MicrosoftSide.KINDS) {
                    for (int round = 0; round < ROUNDS; round++) {
                        metered.add(renewCase(microsoft, kind));
                    }
                }
                all.addAll(metered);
                send(bridge, all);
                List<Case> polled = new ArrayList<>();
                for (String kind : MicrosoftSide.KINDS) {
                    for (int round = 0; round < ROUNDS; round++) {
                        polled.add(pollCase(microsoft, bridge, kind));
                    }
                }
                await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                    for (Case c : metered) {
                        assertThat(delivered(microsoft, c)).as("Renewed of %s delivered", c).isPositive();
                    }
                });
                try (java.sql.Connection store = java.sql.DriverManager.getConnection(Reliability.storeUrl(data), "bridge", "")) {
                    for (Case c : metered) {
                        try (java.sql.PreparedStatement back = store.prepareStatement("UPDATE subscription_event SET occurred_at"
                                + " = occurred_at - INTERVAL '6' HOUR WHERE subscription_id = ?")) {
                            back.setString(1, c.subscription());
                            assertThat(back.executeUpdate()).as("events of %s dated back", c).isPositive();
                        }
                    }
                }
                Instant hour = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.HOURS).minus(Duration.ofHours(2));
                for (Case c : metered) {
                    meter(microsoft, bridge, c, hour);
                }

                await().atMost(TIMEOUT).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                    for (Case c : cases) {
                        assertThat(delivered(microsoft, c)).as("events of %s delivered to provisioning", c).isPositive();
                    }
                    assertThat(deadLetters(bridge, endless.subscription())).as("dead letters of the endless 500").isNotEmpty();
                    for (Case c : polled) {
                        assertThat(delivered(microsoft, c)).as("events of %s delivered to provisioning", c).isPositive();
                    }
                });
                String wall = Reliability.seconds(started);

                StringBuilder table = new StringBuilder("Microsoft's faults, " + DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")
                        .format(Instant.now().atOffset(java.time.ZoneOffset.UTC)) + "; " + Reliability.machine() + "; "
                        + TIMES + " fault(s) before success, " + ROUNDS + " webhook(s) per row\n\n"
                        + "| call | fault | webhook | sent | acknowledged | requests to the faulted call | time to acknowledge"
                        + " (max) | past the 10-second window | dead-lettered | delivered once | delivered again with the same key | lost |\n"
                        + "|---|---|---|---|---|---|---|---|---|---|---|---|\n");
                List<String> problems = new ArrayList<>();
                for (String call : List.of("getOperation", "updateOperation")) {
                    for (String action : List.of("Reinstate", "ChangeQuantity")) {
                        for (String kind : MicrosoftSide.KINDS) {
                            List<Case> row = cases.stream().filter(c -> c.call().equals(call) && c.action().equals(action)
                                    && c.kind().equals(kind)).toList();
                            table.append(row(microsoft, bridge, row, problems)).append('\n');
                        }
                    }
                }
                for (String kind : MicrosoftSide.KINDS) {
                    table.append(pollRow(microsoft, bridge, polled.stream().filter(c -> c.kind().equals(kind)).toList(), problems))
                            .append('\n');
                }
                for (String kind : MicrosoftSide.KINDS) {
                    table.append(meteringRow(microsoft, bridge, metered.stream().filter(c -> c.kind().equals(kind)).toList(),
                            hour, problems)).append('\n');
                }
                List<JsonNode> endlessLetters = deadLetters(bridge, endless.subscription());
                table.append("| getOperation | 500 without end | Reinstate | 1 | ").append(acknowledgements(microsoft, endless).size())
                        .append(" | ").append(requests(microsoft, endless.faultedMethod(), endless.faultedPath()).size())
                        .append(" | — | — | ").append(endlessLetters.size()).append(" (").append(endlessLetters.isEmpty() ? ""
                                : endlessLetters.get(0).path("reason").path("message").asText().replace("|", "\\|"))
                        .append(") | 0 | 0 | 0 (dead-lettered, visible) |\n");
                table.append("\nWall time (first webhook to the last delivery): ").append(wall)
                        .append("; token requests: ").append(requests(microsoft, "POST", MicrosoftSide.TOKEN_PATH).size())
                        .append("; the bridge's warnings of an acknowledgement past the window: ")
                        .append(Reliability.bridgeLogLines(work, "past Microsoft's 10-second window")).append('\n');
                Path file = Projects.root().resolve("target/reliability/microsoft-faults.md");
                Files.writeString(file, table);
                System.out.println(table);

                assertThat(problems).as("what went wrong").isEmpty();
                assertThat(endlessLetters).as("the endless 500's dead letter").hasSize(1);
                assertThat(endlessLetters.get(0).path("reason").path("message").asText())
                        .contains("get-operation answered HTTP 500");
                assertThat(endlessLetters.get(0).path("reason").path("attempts").asText()).isEqualTo(String.valueOf(ATTEMPTS));
                assertThat(acknowledgements(microsoft, endless)).as("acknowledgements of the endless 500").isEmpty();
                assertThat(provisioning(microsoft, endless.operation())).as("events of the endless 500").isEmpty();
                assertThat(Reliability.deadLetters(bridge.url()).values().stream().mapToInt(Integer::intValue).sum())
                        .as("dead letters in all queues: only the endless 500's").isEqualTo(1);
                assertThat(Reliability.secretsInBridgeLogs(work)).as("secrets or tokens in the bridge's logs").isEmpty();
                assertThat(Reliability.bridgeLogLines(work, MicrosoftSide.CLIENT_SECRET)).as("client secret in the log").isZero();
            }
        }
    }

    /** One webhook of {@code action} whose {@code call} fails {@link #TIMES} times with {@code kind}, then succeeds. */
    private static Case webhookCase(MicrosoftSide microsoft, String call, String kind, String action) {
        Case c = new Case(call, kind, action, UUID.randomUUID().toString(), UUID.randomUUID().toString(), new Instant[1]);
        String path = c.operationPath();
        ResponseDefinitionBuilder operation = json(operationJson(c.subscription(), c.operation(), action, "InProgress"));
        Supplier<MappingBuilder> getOperation = () -> get(urlPathEqualTo(path));
        Supplier<MappingBuilder> updateOperation = () -> patch(urlPathEqualTo(path));
        microsoft.faultsThen("get-" + c.operation(), getOperation, kind, call.equals("getOperation") ? TIMES : 0, operation);
        microsoft.faultsThen("patch-" + c.operation(), updateOperation, kind, call.equals("updateOperation") ? TIMES : 0,
                aResponse().withStatus(200));
        microsoft.server().stubFor(get(urlPathEqualTo("/api/saas/subscriptions/" + c.subscription())).atPriority(2)
                .willReturn(json(subscriptionJson(c.subscription()))));
        return c;
    }

    /**
     * A publisher's quantity change (POST /api/subscriptions/{id}/quantity): Microsoft takes it with 202 and an
     * Operation-Location, whose polls meet {@code kind} {@link #TIMES} times before the operation is Succeeded. The
     * case's operation is Microsoft's, the event's idempotency key.
     */
    private static Case pollCase(MicrosoftSide microsoft, JavaProcess bridge, String kind) throws Exception {
        Case c = new Case("operationStatus", kind, "ChangeQuantity", UUID.randomUUID().toString(), UUID.randomUUID().toString(),
                new Instant[1]);
        String subscription = "/api/saas/subscriptions/" + c.subscription();
        microsoft.server().stubFor(get(urlPathEqualTo(subscription)).atPriority(2).willReturn(json(subscriptionJson(c.subscription()))));
        microsoft.server().stubFor(get(urlPathEqualTo(subscription + "/listAvailablePlans")).atPriority(2)
                .willReturn(json("{\"plans\":[]}")));
        microsoft.server().stubFor(patch(urlPathEqualTo(subscription)).atPriority(2).willReturn(aResponse().withStatus(202)
                .withHeader("Operation-Location", microsoft.url() + c.operationPath() + "?api-version=2018-08-31")));
        microsoft.faultsThen("poll-" + c.operation(), () -> get(urlPathEqualTo(c.operationPath())), kind, TIMES,
                json(operationJson(c.subscription(), c.operation(), "ChangeQuantity", "Succeeded")));
        HttpResponse<String> accepted = HTTP.send(HttpRequest.newBuilder(URI.create(bridge.url() + "/api/subscriptions/"
                        + c.subscription() + "/quantity")).timeout(Duration.ofSeconds(30)).header("Authorization", OPERATOR)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"quantity\":20}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(accepted.statusCode()).as("the quantity change of %s: %s", c, accepted.body()).isEqualTo(202);
        c.sentAt()[0] = Instant.now();
        return c;
    }

    /** A Renew of a fresh subscription: published without acknowledgement, so that the registry knows it Subscribed. */
    private static Case renewCase(MicrosoftSide microsoft, String kind) {
        Case c = new Case("usageBatch", kind, "Renew", UUID.randomUUID().toString(), UUID.randomUUID().toString(), new Instant[1]);
        microsoft.server().stubFor(get(urlPathEqualTo(c.operationPath())).atPriority(2)
                .willReturn(json(operationJson(c.subscription(), c.operation(), "Renew", "Succeeded"))));
        microsoft.server().stubFor(get(urlPathEqualTo("/api/saas/subscriptions/" + c.subscription())).atPriority(2)
                .willReturn(json(subscriptionJson(c.subscription()))));
        return c;
    }

    private static final String BATCH = "/api/batchUsageEvent";

    /**
     * Records 12 units of usage for {@code hour} and runs the metering report until Microsoft has the hour: its batch
     * meets {@code kind} {@link #TIMES} times first. One case at a time, so that each batch holds one case's hour.
     */
    private static void meter(MicrosoftSide microsoft, JavaProcess bridge, Case c, Instant hour) throws Exception {
        String start = hour.toString().replace("Z", "");
        String accepted = "{\"count\":1,\"result\":[{\"usageEventId\":\"" + UUID.randomUUID() + "\",\"status\":\"Accepted\","
                + "\"messageTime\":\"" + Instant.now() + "\",\"resourceId\":\"" + c.subscription() + "\",\"quantity\":12,"
                + "\"dimension\":\"api-calls\",\"effectiveStartTime\":\"" + start + "\",\"planId\":\"basic\"}]}";
        microsoft.faultsThen("batch-" + c.subscription(), () -> com.github.tomakehurst.wiremock.client.WireMock.post(
                urlPathEqualTo(BATCH)).withRequestBody(com.github.tomakehurst.wiremock.client.WireMock.containing(c.subscription())),
                c.kind(), TIMES, json(accepted));
        String record = "{\"subscriptionId\":\"" + c.subscription() + "\",\"dimension\":\"api-calls\",\"quantity\":12,"
                + "\"timestamp\":\"" + hour.plus(Duration.ofMinutes(20)) + "\"}";
        HttpResponse<String> taken = HTTP.send(HttpRequest.newBuilder(URI.create(bridge.url() + "/api/usage"))
                .timeout(Duration.ofSeconds(30)).header("Authorization", INTEGRATION).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(record)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(taken.statusCode()).as("usage of %s: %s", c, taken.body()).isEqualTo(202);
        c.sentAt()[0] = Instant.now();
        await().atMost(TIMEOUT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            HTTP.send(HttpRequest.newBuilder(URI.create(bridge.url() + "/api/admin/metering/report")).timeout(Duration.ofSeconds(60))
                    .header("Authorization", OPERATOR).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(hourState(bridge, c)).as("the hour of %s", c).isEqualTo("reported");
        });
    }

    /** The state of the case's only usage hour ({@code GET /api/subscriptions/{id}/usage}). */
    private static String hourState(JavaProcess bridge, Case c) throws Exception {
        HttpResponse<String> usage = HTTP.send(HttpRequest.newBuilder(URI.create(bridge.url() + "/api/subscriptions/"
                + c.subscription() + "/usage")).timeout(Duration.ofSeconds(30)).header("Authorization", OPERATOR).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        return Reliability.JSON.readTree(usage.body()).path("hours").path(0).path("state").asText();
    }

    private static String pollRow(MicrosoftSide microsoft, JavaProcess bridge, List<Case> row, List<String> problems) throws Exception {
        int settled = 0;
        int requests = 0;
        int once = 0;
        int again = 0;
        int lost = 0;
        Duration slowest = Duration.ZERO;
        for (Case c : row) {
            List<ServeEvent> polls = requests(microsoft, "GET", c.operationPath());
            requests += polls.size();
            List<ServeEvent> answered = polls.stream().filter(event -> !isFault(event)).toList();
            if (!answered.isEmpty()) {
                settled++;
                Duration took = Duration.between(c.sentAt()[0], answered.get(0).getRequest().getLoggedDate().toInstant());
                slowest = took.compareTo(slowest) > 0 ? took : slowest;
            } else {
                problems.add(c + ": its operation was never read as settled");
            }
            int deliveries = provisioning(microsoft, c.operation()).size();
            once += deliveries > 0 ? 1 : 0;
            again += Math.max(0, deliveries - 1);
            lost += deliveries == 0 ? 1 : 0;
            checkRetryAfterAndToken(c, polls, problems);
        }
        int dead = Reliability.deadLetters(bridge.url()).getOrDefault("marketplace.operations", 0);
        if (dead > 0) {
            problems.add("marketplace.operations has " + dead + " dead letters");
        }
        return String.format(Locale.ROOT, "| Operation-Location poll | %s | publisher's ChangeQuantity | %d | %d (Succeeded) | %d (%d faults) | %.1f s"
                + " (to the poll that read Succeeded) | — | %d | %d | %d | %d |", row.get(0).kind(), row.size(), settled, requests,
                row.size() * TIMES, slowest.toMillis() / 1000.0, dead, once, again, lost);
    }

    private static String meteringRow(MicrosoftSide microsoft, JavaProcess bridge, List<Case> row, Instant hour,
            List<String> problems) throws Exception {
        int reported = 0;
        int requests = 0;
        int once = 0;
        int again = 0;
        int lost = 0;
        Duration slowest = Duration.ZERO;
        for (Case c : row) {
            List<ServeEvent> batches = requests(microsoft, "POST", BATCH).stream()
                    .filter(event -> event.getRequest().getBodyAsString().contains(c.subscription())).toList();
            requests += batches.size();
            List<ServeEvent> taken = batches.stream().filter(event -> !isFault(event)).toList();
            if ("reported".equals(hourState(bridge, c))) {
                reported++;
            } else {
                problems.add(c + ": its hour is not reported");
            }
            if (taken.size() != 1) {
                problems.add(c + ": Microsoft took its hour " + taken.size() + " times");
            } else {
                Duration took = Duration.between(c.sentAt()[0], taken.get(0).getRequest().getLoggedDate().toInstant());
                slowest = took.compareTo(slowest) > 0 ? took : slowest;
            }
            long billed = requests(microsoft, "POST", "/sandbox/recorder/billing").stream().filter(event -> ("usage:"
                    + c.subscription() + ":api-calls:" + hour).equals(event.getRequest().getHeader("Idempotency-Key"))).count();
            once += billed > 0 ? 1 : 0;
            again += (int) Math.max(0, billed - 1);
            lost += taken.isEmpty() ? 1 : 0;
            checkRetryAfterAndToken(c, batches, problems);
        }
        int dead = Reliability.deadLetters(bridge.url()).getOrDefault("marketplace.usage", 0);
        if (dead > 0) {
            problems.add("marketplace.usage has " + dead + " dead letters");
        }
        return String.format(Locale.ROOT, "| metering batch | %s | usage of one hour | %d | %d (reported; taken by Microsoft once each) | %d (%d faults) | %.1f s"
                + " (to the batch Microsoft took) | — | %d | %d (UsageReported at billing) | %d | %d |", row.get(0).kind(), row.size(),
                reported, requests, row.size() * TIMES, slowest.toMillis() / 1000.0, dead, once, again, lost);
    }

    /** A Reinstate whose Get Operation answers 500 every time: the budget runs out. */
    private static Case endlessCase(MicrosoftSide microsoft) {
        Case c = new Case("getOperation", "500", "Reinstate", UUID.randomUUID().toString(), UUID.randomUUID().toString(),
                new Instant[1]);
        microsoft.alwaysFaults(() -> get(urlPathEqualTo(c.operationPath())), "500");
        microsoft.server().stubFor(patch(urlPathEqualTo(c.operationPath())).atPriority(1).willReturn(aResponse().withStatus(200)));
        return c;
    }

    /** Sends every case's webhook as Microsoft does, 8 at a time, each until it is answered 200. */
    private static void send(JavaProcess bridge, List<Case> cases) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> sent = new ArrayList<>();
            for (Case c : cases) {
                sent.add(pool.submit(() -> {
                    String body = MicrosoftWebhook.notification(c.operation(), c.subscription(), c.action(), "basic", 10);
                    HttpResponse<String> answer = MicrosoftWebhook.call(bridge.port(), body);
                    if (answer.statusCode() != 200) {
                        throw new IllegalStateException("The webhook of " + c + " answered " + answer.statusCode() + ": " + answer.body());
                    }
                    c.sentAt()[0] = Instant.now();
                    return null;
                }));
            }
            for (Future<?> future : sent) {
                future.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** One line of the figures for the cases of one call, fault and action; what is wrong goes to {@code problems}. */
    private static String row(MicrosoftSide microsoft, JavaProcess bridge, List<Case> row, List<String> problems) throws Exception {
        int acknowledged = 0;
        int requests = 0;
        int dead = 0;
        int once = 0;
        int again = 0;
        int lost = 0;
        int late = 0;
        Duration slowest = Duration.ZERO;
        for (Case c : row) {
            List<ServeEvent> acks = acknowledgements(microsoft, c);
            List<ServeEvent> faulted = requests(microsoft, c.faultedMethod(), c.faultedPath());
            requests += faulted.size();
            if (!acks.isEmpty()) {
                acknowledged++;
                Duration took = Duration.between(c.sentAt()[0], acks.get(0).getRequest().getLoggedDate().toInstant());
                slowest = took.compareTo(slowest) > 0 ? took : slowest;
                late += took.compareTo(WINDOW) > 0 ? 1 : 0;
            } else {
                problems.add(c + ": never acknowledged");
            }
            if (acks.size() > 1) {
                problems.add(c + ": acknowledged " + acks.size() + " times");
            }
            int deliveries = provisioning(microsoft, c.operation()).size();
            once += deliveries > 0 ? 1 : 0;
            again += Math.max(0, deliveries - 1);
            lost += deliveries == 0 ? 1 : 0;
            int letters = deadLetters(bridge, c.subscription()).size();
            dead += letters;
            if (letters > 0) {
                problems.add(c + ": dead-lettered although the next attempt succeeds");
            }
            long faults = faulted.stream().filter(MicrosoftFaultsIT::isFault).count();
            if (faults < TIMES && c.action().equals("Reinstate")) {
                problems.add(c + ": only " + faults + " of " + TIMES + " faults were met");
            }
            // Get Operation of a change is called by both the acknowledgement lane and webhook-processing at once:
            // the request after one's fault may be the other's first, so only single callers are checked.
            if (!(c.call().equals("getOperation") && c.action().equals("ChangeQuantity"))) {
                checkRetryAfterAndToken(c, faulted, problems);
            }
        }
        return String.format(Locale.ROOT, "| %s | %s | %s | %d | %d | %d (%d faults) | %.1f s | %d | %d | %d | %d | %d |",
                row.get(0).call(), row.get(0).kind(), row.get(0).action(), row.size(), acknowledged, requests,
                row.size() * TIMES, slowest.toMillis() / 1000.0, late, dead, once, again, lost);
    }

    /**
     * A 429's next request to the same call is not sent before its Retry-After (seconds, or the HTTP date); the
     * request after a 401 carries another token than the refused one.
     */
    private static void checkRetryAfterAndToken(Case c, List<ServeEvent> faulted, List<String> problems) {
        for (int i = 0; i + 1 < faulted.size(); i++) {
            ServeEvent fault = faulted.get(i);
            ServeEvent next = faulted.get(i + 1);
            Instant answeredAt = fault.getRequest().getLoggedDate().toInstant();
            Instant nextAt = next.getRequest().getLoggedDate().toInstant();
            int status = fault.getResponse().getStatus();
            if (status == 429) {
                String header = fault.getResponse().getHeaders().getHeader("Retry-After").firstValue();
                Instant notBefore = header.matches("\\d+") ? answeredAt.plusSeconds(Long.parseLong(header))
                        : ZonedDateTime.parse(header, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                // WireMock logs a request when it arrives; 100 ms for the two clocks' reading and the header's seconds.
                if (nextAt.isBefore(notBefore.minusMillis(100))) {
                    problems.add(c + ": the request after a 429 (Retry-After " + header + ", at " + answeredAt + ") came at "
                            + nextAt + ", before " + notBefore);
                }
                if (RetryAfter.parse(header) == null) {
                    problems.add(c + ": unreadable Retry-After " + header);
                }
            }
            // One fresh token per call: a token fetched after a 401 that is refused again is used by the next attempt.
            boolean refusedAfterRefresh = i > 0 && faulted.get(i - 1).getResponse().getStatus() == 401
                    && !faulted.get(i - 1).getRequest().getHeader("Authorization").equals(fault.getRequest().getHeader("Authorization"));
            if (status == 401 && !refusedAfterRefresh) {
                String refused = fault.getRequest().getHeader("Authorization");
                String retried = next.getRequest().getHeader("Authorization");
                if (refused.equals(retried)) {
                    problems.add(c + ": the request after a 401 carried the refused token again");
                }
            }
        }
    }

    private static boolean isFault(ServeEvent event) {
        StubMapping stub = event.getStubMapping();
        return stub != null && stub.getNewScenarioState() != null;
    }

    /** Update Operations of the case that Microsoft took (answered by the stub that follows the faults). */
    private static List<ServeEvent> acknowledgements(MicrosoftSide microsoft, Case c) {
        return requests(microsoft, "PATCH", c.operationPath()).stream().filter(event -> !isFault(event)
                && event.getResponse().getStatus() == 200).toList();
    }

    /** Requests of {@code method} to {@code path}, oldest first. */
    private static List<ServeEvent> requests(MicrosoftSide microsoft, String method, String path) {
        return microsoft.server().getAllServeEvents().stream()
                .filter(event -> event.getRequest().getMethod().getName().equals(method)
                        && URI.create(event.getRequest().getUrl()).getPath().equals(path))
                .sorted(Comparator.comparing(event -> event.getRequest().getLoggedDate()))
                .toList();
    }

    /** Provisioning's deliveries of the event with this idempotency key. */
    private static List<ServeEvent> provisioning(MicrosoftSide microsoft, String key) {
        return requests(microsoft, "POST", "/sandbox/recorder/provisioning").stream()
                .filter(event -> key.equals(event.getRequest().getHeader("Idempotency-Key"))).toList();
    }

    private static int delivered(MicrosoftSide microsoft, Case c) {
        return provisioning(microsoft, c.operation()).size();
    }

    /** The subscription's dead letters in marketplace.inbound (the dead-letter API). */
    private static List<JsonNode> deadLetters(JavaProcess bridge, String subscription) throws Exception {
        HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(URI.create(bridge.url()
                        + "/api/admin/dead-letters/marketplace.inbound?subscriptionId=" + subscription))
                .timeout(Duration.ofSeconds(30)).header("Authorization", OPERATOR).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() != 200) {
            throw new IllegalStateException("Dead letters answered " + answer.statusCode() + ": " + answer.body());
        }
        List<JsonNode> letters = new ArrayList<>();
        Reliability.JSON.readTree(answer.body()).path("messages").forEach(letters::add);
        return letters;
    }

    private static ResponseDefinitionBuilder json(String body) {
        return aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody(body);
    }

    private static String operationJson(String subscription, String operation, String action, String status) {
        return """
                {"id":"%s","activityId":"a-1","subscriptionId":"%s","offerId":"bridge-offer","publisherId":"contoso",
                 "planId":"basic","quantity":10,"action":"%s","timeStamp":"2026-11-02T10:15:00Z","status":"%s",
                 "errorStatusCode":"","errorMessage":""}
                """.formatted(operation, subscription, action, status);
    }

    private static String subscriptionJson(String id) {
        return """
                {"id":"%s","name":"Fabrikam HR","publisherId":"contoso","offerId":"bridge-offer","planId":"basic","quantity":10,
                 "saasSubscriptionStatus":"Subscribed","autoRenew":true,"isFreeTrial":false,"allowedCustomerOperations":["Read","Update","Delete"],
                 "purchaser":{"emailId":"buyer@tenant-a.example","objectId":"o-1","tenantId":"tenant-a","puid":"1"},
                 "beneficiary":{"emailId":"user@tenant-a.example","objectId":"o-2","tenantId":"tenant-a","puid":"2"},
                 "term":{"startDate":"2026-11-01","endDate":"2026-11-30","termUnit":"P1M"}}
                """.formatted(id);
    }
}
