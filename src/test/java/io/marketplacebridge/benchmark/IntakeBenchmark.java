package io.marketplacebridge.benchmark;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.patch;
import static com.github.tomakehurst.wiremock.client.WireMock.patchRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.matching.RequestPatternBuilder;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.marketplacebridge.BridgeTest;
import io.marketplacebridge.webhook.MicrosoftWebhook;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Throughput and latency of the bridge on the machine it runs on: webhook intake (durable, over real HTTP), landing
 * page, and the whole webhook path to provisioning, billing, the CRM and the audit file. Not a test: it times
 * things, so it is tagged {@code benchmark} and left out of the build; docs/benchmarks.md has the command and the
 * figures. It fails only when something does not arrive.
 *
 * <p>Microsoft and the publisher are the shared WireMock servers, answering at once: what is measured is the bridge
 * (and the broker's journal), not the network. The summary goes to standard output and to
 * {@code target/benchmarks/IntakeBenchmark.txt}.
 */
@Tag("benchmark")
class IntakeBenchmark extends BridgeTest {

    private static final int CLIENTS = 4;
    private static final int WARM_UP_NOTIFICATIONS = 300;
    private static final int NOTIFICATIONS = 2_000;
    /** Notifications are spread over this many subscriptions (one subscription's are processed in order). */
    private static final int SUBSCRIPTIONS = 250;
    private static final int WARM_UP_LANDINGS = 50;
    private static final int LANDINGS = 500;
    /** The steady phase: ChangeQuantity notifications one every {@link #STEADY_INTERVAL} (10/s), well below capacity. */
    private static final int STEADY_NOTIFICATIONS = 200;
    private static final Duration STEADY_INTERVAL = Duration.ofMillis(100);
    private static final Duration DRAIN = Duration.ofMinutes(10);

    // Id prefixes (GUIDs stay GUIDs): the last digit tells the warm-up (0), the burst (1) and the steady phase (2).
    private static final String WEBHOOK_SUBSCRIPTION = "be4c000";
    private static final String LANDING_SUBSCRIPTION = "1a4d000";
    private static final String RENEW = "a0a0000";
    private static final String CHANGE_QUANTITY = "c0a0000";
    private static final String GUID_TAIL = "[0-9a-f-]+";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One HTTP/1.1 client (one kept-alive connection) per client thread, as a caller's connection pool would be. */
    private static final ThreadLocal<HttpClient> CLIENT = ThreadLocal.withInitial(() ->
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build());

    @LocalServerPort
    int port;

    @Value("${bridge.broker.consumers}")
    int consumers;

    private final Map<StubMapping, WireMockServer> stubs = new HashMap<>();
    private final StringBuilder summary = new StringBuilder();

    @BeforeEach
    void microsoftAndThePublisherAnswerEveryBenchmarkId() {
        String subscriptions = "/api/saas/subscriptions/";
        String webhookSubscription = subscriptions + WEBHOOK_SUBSCRIPTION + "[0-2]-" + GUID_TAIL;
        stub(MICROSOFT, get(urlPathMatching(webhookSubscription)).willReturn(template(
                subscriptionJson("{{request.pathSegments.[3]}}", "Subscribed", "basic", 20, "tenant-a", "tenant-a"))));
        stub(MICROSOFT, get(urlPathMatching(webhookSubscription + "/operations/" + RENEW + "[0-2]-" + GUID_TAIL))
                .willReturn(template(operationJson("Renew", "Succeeded"))));
        stub(MICROSOFT, get(urlPathMatching(webhookSubscription + "/operations/" + CHANGE_QUANTITY + "[0-2]-" + GUID_TAIL))
                .willReturn(template(operationJson("ChangeQuantity", "InProgress"))));
        stub(MICROSOFT, patch(urlPathMatching(webhookSubscription + "/operations/" + CHANGE_QUANTITY + "[0-2]-" + GUID_TAIL))
                .willReturn(aResponse().withStatus(200)));
        // Landing: the purchase token is the subscription id, which Resolve and Get Subscription echo.
        stub(MICROSOFT, post(urlPathEqualTo(subscriptions + "resolve"))
                .withHeader("x-ms-marketplace-token", matching(LANDING_SUBSCRIPTION + "[0-2]-" + GUID_TAIL))
                .willReturn(template(resolved("{{request.headers.[x-ms-marketplace-token]}}"))));
        stub(MICROSOFT, get(urlPathMatching(subscriptions + LANDING_SUBSCRIPTION + "[0-2]-" + GUID_TAIL)).willReturn(template(
                subscriptionJson("{{request.pathSegments.[3]}}", "PendingFulfillmentStart", "basic", 10, "tenant-a", "tenant-a"))));
        // Provisioning takes every event; a purchase is accepted (202), so no activation follows the landing.
        stub(PUBLISHER, post(urlPathEqualTo("/provisioning")).atPriority(8)
                .withHeader("Idempotency-Key", matching("[ac]0a0000[0-2]-" + GUID_TAIL)).willReturn(aResponse().withStatus(200)));
        stub(PUBLISHER, post(urlPathEqualTo("/provisioning")).atPriority(8)
                .withHeader("Idempotency-Key", matching("purchase:" + LANDING_SUBSCRIPTION + "[0-2]-" + GUID_TAIL))
                .willReturn(aResponse().withStatus(202)));
    }

    @AfterEach
    void removeStubs() {
        stubs.forEach((stub, server) -> server.removeStub(stub));
    }

    @Test
    void intakeLandingAndEndToEndThroughput() throws Exception {
        line("Marketplace Bridge benchmark, %s", Instant.now());
        line("machine: %d processors, Java %s (%s), max heap %d MB; load average at start: %s",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), System.getProperty("java.vm.name"),
                ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getMax() >> 20, loadAverage());
        line("bridge.broker.consumers=%d, %d client threads, notifications over %d subscriptions, half Renew, half ChangeQuantity",
                consumers, CLIENTS, SUBSCRIPTIONS);

        Burst warmUp = webhooks("0", WARM_UP_NOTIFICATIONS, null);
        awaitDeliveries(warmUp);

        CpuMeter burstCpu = new CpuMeter();
        Burst burst = webhooks("1", NOTIFICATIONS, null);
        Deliveries deliveries = awaitDeliveries(burst);
        String burstCores = burstCpu.coresUsed();
        line("");
        line("1. Webhook intake (POST /api/webhook, answered once persisted), %d notifications after %d warm-up:",
                NOTIFICATIONS, WARM_UP_NOTIFICATIONS);
        line("   %s, %.0f requests/s", percentiles(burst.latencies), NOTIFICATIONS / seconds(burst.elapsedMillis));
        line("");
        line("2. End to end, first POST until the last delivery (Get Operation, decision, PATCH for ChangeQuantity, Get Subscription, publish, fan-out):");
        line("   provisioning %.1f s, billing %.1f s, crm (Salesforce) %.1f s, audit %.1f s; all four: %.1f s = %.0f events/s",
                seconds(deliveries.provisioning), seconds(deliveries.billing), seconds(deliveries.crm), seconds(deliveries.audit),
                seconds(deliveries.all()), NOTIFICATIONS / seconds(deliveries.all()));
        line("   notification POSTed -> event at provisioning: %s", percentiles(deliveries.toProvisioning));
        line("   ChangeQuantity POSTed -> PATCH acknowledgement at Microsoft (%d): %s",
                deliveries.toAcknowledgement.length, percentiles(deliveries.toAcknowledgement));
        line("   CPU of the test JVM from the first POST to the last delivery: %s", burstCores);

        Burst steady = webhooks("2", STEADY_NOTIFICATIONS, STEADY_INTERVAL);
        Deliveries steadyDeliveries = awaitDeliveries(steady);
        line("");
        line("3. Steady load: %d ChangeQuantity notifications, one every %d ms (%.0f/s), queue empty at the start:",
                STEADY_NOTIFICATIONS, STEADY_INTERVAL.toMillis(), 1000.0 / STEADY_INTERVAL.toMillis());
        line("   intake: %s", percentiles(steady.latencies));
        line("   POSTed -> PATCH acknowledgement at Microsoft: %s", percentiles(steadyDeliveries.toAcknowledgement));
        line("   POSTed -> event at provisioning: %s", percentiles(steadyDeliveries.toProvisioning));

        landings("0", WARM_UP_LANDINGS);
        CpuMeter landingCpu = new CpuMeter();
        long[] landingLatencies = landings("1", LANDINGS);
        String landingCores = landingCpu.coresUsed();
        line("");
        line("4. Landing page (GET /landing: Resolve, Get Subscription, persisted publish of Purchased), %d loads after %d warm-up:",
                LANDINGS, WARM_UP_LANDINGS);
        line("   %s; CPU of the test JVM: %s", percentiles(landingLatencies), landingCores);

        MICROSOFT.resetRequests();
        PUBLISHER.resetRequests();
        SALESFORCE.resetRequests();
        System.gc();
        System.gc();
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        line("");
        line("5. Memory of the test JVM (bridge, broker, three WireMock servers with journals cleared, the clients), after System.gc():");
        line("   heap used %d MB (committed %d MB), non-heap used %d MB, process RSS %s",
                memory.getHeapMemoryUsage().getUsed() >> 20, memory.getHeapMemoryUsage().getCommitted() >> 20,
                memory.getNonHeapMemoryUsage().getUsed() >> 20, residentSetSize());
        line("load average at end: %s", loadAverage());

        System.out.println(summary);
        Path file = Path.of("target", "benchmarks", "IntakeBenchmark.txt");
        Files.createDirectories(file.getParent());
        Files.writeString(file, summary);
    }

    /**
     * POSTs {@code count} signed notifications from {@link #CLIENTS} threads: as fast as they are answered, half Renew
     * and half ChangeQuantity, when {@code interval} is null; otherwise ChangeQuantity only, one every interval.
     */
    private Burst webhooks(String phase, int count, Duration interval) throws Exception {
        List<String> subscriptions = Stream.generate(() -> guid(WEBHOOK_SUBSCRIPTION + phase)).limit(SUBSCRIPTIONS).toList();
        String[] operations = new String[count];
        HttpRequest[] requests = new HttpRequest[count];
        for (int i = 0; i < count; i++) {
            String subscription = subscriptions.get(i % SUBSCRIPTIONS);
            boolean renew = interval == null && i % 2 == 0;
            operations[i] = guid((renew ? RENEW : CHANGE_QUANTITY) + phase);
            String body = renew
                    ? MicrosoftWebhook.notification(operations[i], subscription, "Renew", null, null)
                    : MicrosoftWebhook.notification(operations[i], subscription, "ChangeQuantity", "basic", 20);
            requests[i] = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/webhook"))
                    .header("Content-Type", "application/json")
                    .header("Authorization", "Bearer " + MicrosoftWebhook.token())
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        }
        long[] sentAt = new long[count];
        long[] latencies = new long[count];
        int[] statuses = new int[count];
        IndexedTask post = i -> {
            sentAt[i] = System.currentTimeMillis();
            long start = System.nanoTime();
            statuses[i] = CLIENT.get().send(requests[i], HttpResponse.BodyHandlers.ofString()).statusCode();
            latencies[i] = System.nanoTime() - start;
        };
        long elapsed = interval == null ? inParallel(count, post) : paced(count, interval, post);
        assertThat(statuses).as("webhook answers").containsOnly(200);
        return new Burst(phase, operations, sentAt, latencies, elapsed);
    }

    /** Waits until every event of the burst is at provisioning, billing, the CRM and in the audit file. */
    private Deliveries awaitDeliveries(Burst burst) throws IOException {
        String keys = "[ac]0a0000" + burst.phase + "-" + GUID_TAIL;
        RequestPatternBuilder provisioning = postRequestedFor(urlPathEqualTo("/provisioning")).withHeader("Idempotency-Key", matching(keys));
        RequestPatternBuilder billing = postRequestedFor(urlPathEqualTo("/billing")).withHeader("Idempotency-Key", matching(keys));
        RequestPatternBuilder crm = patchRequestedFor(urlPathMatching("/services/data/.*/" + WEBHOOK_SUBSCRIPTION + burst.phase + "-" + GUID_TAIL));
        int count = burst.operations.length;
        await().atMost(DRAIN).pollInterval(Duration.ofMillis(250)).until(() ->
                PUBLISHER.countRequestsMatching(provisioning.build()).getCount() >= count
                        && PUBLISHER.countRequestsMatching(billing.build()).getCount() >= count
                        && SALESFORCE.countRequestsMatching(crm.build()).getCount() >= count);
        Map<String, Instant> audited = await().atMost(DRAIN).pollInterval(Duration.ofMillis(250))
                .until(() -> auditedEvents(burst.phase), events -> events.size() >= count);

        Map<String, Instant> provisioned = byIdempotencyKey(PUBLISHER.findAll(provisioning));
        Map<String, Instant> billed = byIdempotencyKey(PUBLISHER.findAll(billing));
        List<LoggedRequest> upserts = SALESFORCE.findAll(crm);
        Map<String, Instant> acknowledged = new HashMap<>();
        MICROSOFT.findAll(patchRequestedFor(urlPathMatching(".*/operations/" + CHANGE_QUANTITY + burst.phase + "-" + GUID_TAIL)))
                .forEach(request -> acknowledged.put(lastSegment(request.getUrl()), request.getLoggedDate().toInstant()));
        Set<String> sent = new HashSet<>(Arrays.asList(burst.operations));
        assertThat(provisioned.keySet()).as("events at provisioning").isEqualTo(sent);
        assertThat(billed.keySet()).as("events at billing").isEqualTo(sent);
        assertThat(audited.keySet()).as("events in the audit file").isEqualTo(sent);
        assertThat(upserts).as("CRM upserts").hasSize(count);
        assertThat(acknowledged).as("acknowledged ChangeQuantity operations")
                .hasSize((int) sent.stream().filter(operation -> operation.startsWith(CHANGE_QUANTITY)).count());

        long start = Arrays.stream(burst.sentAt).min().orElseThrow();
        long[] toProvisioning = new long[count];
        List<Long> toAcknowledgement = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            toProvisioning[i] = (provisioned.get(burst.operations[i]).toEpochMilli() - burst.sentAt[i]) * 1_000_000;
            Instant patched = acknowledged.get(burst.operations[i]);
            if (patched != null) {
                toAcknowledgement.add((patched.toEpochMilli() - burst.sentAt[i]) * 1_000_000);
            }
        }
        return new Deliveries(last(provisioned.values()) - start, last(billed.values()) - start,
                last(upserts.stream().map(request -> request.getLoggedDate().toInstant()).toList()) - start,
                last(audited.values()) - start, toProvisioning, toAcknowledgement.stream().mapToLong(Long::longValue).toArray());
    }

    /** Opens {@code count} landing pages of fresh purchases from {@link #CLIENTS} threads; waits for their events. */
    private long[] landings(String phase, int count) throws Exception {
        String[] subscriptions = Stream.generate(() -> guid(LANDING_SUBSCRIPTION + phase)).limit(count).toArray(String[]::new);
        long[] latencies = new long[count];
        String[] pages = new String[count];
        inParallel(count, i -> {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/landing?token=" + subscriptions[i])).build();
            long start = System.nanoTime();
            HttpResponse<String> page = CLIENT.get().send(request, HttpResponse.BodyHandlers.ofString());
            latencies[i] = System.nanoTime() - start;
            pages[i] = page.statusCode() + " " + page.body();
        });
        assertThat(pages).as("landing pages").allSatisfy(page -> assertThat(page).startsWith("200 ").contains("Fabrikam HR"));
        RequestPatternBuilder purchases = postRequestedFor(urlPathEqualTo("/provisioning"))
                .withHeader("Idempotency-Key", matching("purchase:" + LANDING_SUBSCRIPTION + phase + "-" + GUID_TAIL));
        await().atMost(DRAIN).pollInterval(Duration.ofMillis(250))
                .until(() -> PUBLISHER.countRequestsMatching(purchases.build()).getCount() >= count);
        return latencies;
    }

    /** Runs {@code task} for 0..count-1 on {@link #CLIENTS} threads; answers the wall-clock milliseconds taken. */
    private static long inParallel(int count, IndexedTask task) throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        try {
            AtomicInteger next = new AtomicInteger();
            long start = System.nanoTime();
            List<Future<Object>> workers = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                workers.add(clients.submit(() -> {
                    for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                        task.run(i);
                    }
                    return null;
                }));
            }
            for (Future<Object> worker : workers) {
                worker.get();
            }
            return (System.nanoTime() - start) / 1_000_000;
        } finally {
            clients.shutdownNow();
        }
    }

    /** Runs {@code task} for 0..count-1, task i started at i × interval; answers the wall-clock milliseconds taken. */
    private static long paced(int count, Duration interval, IndexedTask task) throws Exception {
        ScheduledExecutorService clients = Executors.newScheduledThreadPool(CLIENTS);
        try {
            long start = System.nanoTime();
            List<ScheduledFuture<Object>> posts = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int index = i;
                posts.add(clients.schedule(() -> {
                    task.run(index);
                    return null;
                }, interval.toNanos() * i, TimeUnit.NANOSECONDS));
            }
            for (ScheduledFuture<Object> post : posts) {
                post.get();
            }
            return (System.nanoTime() - start) / 1_000_000;
        } finally {
            clients.shutdownNow();
        }
    }

    private static Map<String, Instant> auditedEvents(String phase) throws IOException {
        Map<String, Instant> events = new HashMap<>();
        String marker = "0a0000" + phase + "-";
        try (Stream<Path> files = Files.list(BROKER_DIR.resolve("audit"))) {
            for (Path file : files.toList()) {
                for (String line : Files.readAllLines(file)) {
                    if (line.contains("\"eventId\":\"a" + marker) || line.contains("\"eventId\":\"c" + marker)) {
                        JsonNode audit = JSON.readTree(line);
                        events.put(audit.get("eventId").asText(), Instant.parse(audit.get("recordedAt").asText()));
                    }
                }
            }
        }
        return events;
    }

    private static Map<String, Instant> byIdempotencyKey(List<LoggedRequest> requests) {
        Map<String, Instant> byKey = new HashMap<>();
        requests.forEach(request -> byKey.merge(request.getHeader("Idempotency-Key"), request.getLoggedDate().toInstant(),
                (first, second) -> first.isBefore(second) ? first : second));
        return byKey;
    }

    private static long last(Collection<Instant> instants) {
        return instants.stream().mapToLong(Instant::toEpochMilli).max().orElseThrow();
    }

    private static String lastSegment(String url) {
        String path = url.contains("?") ? url.substring(0, url.indexOf('?')) : url;
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /** p50, p95, p99 and max of nanosecond durations, in milliseconds (nearest rank). */
    private static String percentiles(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return String.format(Locale.ROOT, "p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms",
                rank(sorted, 0.50), rank(sorted, 0.95), rank(sorted, 0.99), sorted[sorted.length - 1] / 1e6);
    }

    private static double rank(long[] sorted, double percentile) {
        return sorted[(int) Math.ceil(percentile * sorted.length) - 1] / 1e6;
    }

    private static double seconds(long millis) {
        return millis / 1000.0;
    }

    private static String guid(String prefix) {
        return prefix + UUID.randomUUID().toString().substring(prefix.length());
    }

    private static String loadAverage() throws IOException {
        String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
        return fields[0] + " " + fields[1] + " " + fields[2];
    }

    private static String residentSetSize() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(line -> line.startsWith("VmRSS:"))
                .map(line -> line.substring("VmRSS:".length()).trim()).findFirst().orElse("unknown");
    }

    private static String operationJson(String action, String status) {
        return """
                {"id":"{{request.pathSegments.[5]}}","activityId":"a-1","subscriptionId":"{{request.pathSegments.[3]}}",
                 "offerId":"bridge-offer","publisherId":"contoso","planId":"basic","quantity":20,"action":"%s",
                 "timeStamp":"2026-11-02T10:15:00Z","status":"%s","errorStatusCode":"","errorMessage":""}
                """.formatted(action, status);
    }

    /** A JSON answer whose {@code {{...}}} parts WireMock fills in from the request. */
    private static ResponseDefinitionBuilder template(String body) {
        return json(200, body).withTransformers("response-template");
    }

    private void stub(WireMockServer server, MappingBuilder mapping) {
        stubs.put(server.stubFor(mapping), server);
    }

    private void line(String format, Object... arguments) {
        summary.append(String.format(Locale.ROOT, format, arguments)).append('\n');
    }

    /** The CPU time this JVM (bridge, broker, WireMock, clients) used since it was made, in cores. */
    private static final class CpuMeter {

        private final com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        private final long wallStart = System.nanoTime();
        private final long cpuStart = os.getProcessCpuTime();

        String coresUsed() {
            double cores = (double) (os.getProcessCpuTime() - cpuStart) / (System.nanoTime() - wallStart);
            return String.format(Locale.ROOT, "%.2f of %d cores", cores, Runtime.getRuntime().availableProcessors());
        }
    }

    @FunctionalInterface
    private interface IndexedTask {
        void run(int index) throws Exception;
    }

    private record Burst(String phase, String[] operations, long[] sentAt, long[] latencies, long elapsedMillis) {
    }

    /** Milliseconds from the first POST to the last delivery at each system, and per-event lags in nanoseconds. */
    private record Deliveries(long provisioning, long billing, long crm, long audit, long[] toProvisioning, long[] toAcknowledgement) {

        long all() {
            return Math.max(Math.max(provisioning, billing), Math.max(crm, audit));
        }
    }
}
