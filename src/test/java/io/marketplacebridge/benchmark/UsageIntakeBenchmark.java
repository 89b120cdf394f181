package io.marketplacebridge.benchmark;

import static io.marketplacebridge.Logins.basic;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.marketplacebridge.MarketplaceBridgeApplication;
import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
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
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Throughput of usage intake ({@code POST /api/usage}, routes/metering.camel.yaml): lists of 100 records with the
 * integration login, each list validated against the registry and the store and written in one transaction, next to
 * a baseline in the same run: a bare platform-http route answering 202 to a body of the same size, behind the same
 * HTTP Basic check. Not a test: it times things, so it is tagged {@code benchmark} and left out of the build;
 * docs/benchmarks.md has the command and the figures. It fails only when a list is not accepted.
 *
 * <p>The bridge runs as its own process ({@code java -jar target/marketplace-bridge-*.jar}, sandbox profile, embedded
 * broker and H2 store on local disk), so the clients here do not share its JVM; without a built jar it runs in this
 * JVM instead (the summary says which). The summary goes to standard output and to
 * {@code target/benchmarks/UsageIntakeBenchmark.txt}.
 */
@Tag("benchmark")
class UsageIntakeBenchmark {

    private static final int CLIENTS = 4;
    private static final int RECORDS_PER_LIST = 100;
    private static final int WARM_UP_LISTS = 300;
    private static final int LISTS = 2_000;
    private static final int SUBSCRIPTIONS = 20;
    private static final List<String> DIMENSIONS = List.of("api-calls", "messages", "storage-gb");
    private static final Path DIR = Path.of("target", "benchmarks");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String INTEGRATION = basic("integration:sandbox-integration");
    private static final String OPERATOR = basic("admin:sandbox-admin");
    /** One HTTP/1.1 client (one kept-alive connection) per client thread, as a caller's connection pool would be. */
    private static final ThreadLocal<HttpClient> CLIENT = ThreadLocal.withInitial(() ->
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build());

    private final StringBuilder summary = new StringBuilder();

    @Test
    void usageIntakeThroughput() throws Exception {
        int port = freePort();
        Files.createDirectories(DIR);
        Path baselineRoute = DIR.resolve("usage-baseline.camel.yaml");
        Files.writeString(baselineRoute, """
                # The benchmark's baseline: what platform-http, HTTP Basic and reading the body cost without the intake.
                - route:
                    id: benchmark-baseline
                    description: Reads the body and answers 202, as the usage intake does
                    from:
                      uri: platform-http:/api/benchmark/baseline
                      parameters:
                        httpMethodRestrict: POST
                      steps:
                        - convertBodyTo:
                            type: java.lang.String
                        - setHeader:
                            name: CamelHttpResponseCode
                            constant: "202"
                        - setHeader:
                            name: Content-Type
                            constant: application/json
                        - setBody:
                            constant: '{"accepted":100,"duplicates":0}'
                """);
        List<String> settings = List.of("--spring.profiles.active=sandbox", "--server.port=" + port,
                "--bridge.broker.data-dir=" + DIR.resolve("usage-data-" + UUID.randomUUID()),
                "--camel.main.routes-include-pattern=file:routes/*.camel.yaml,file:" + baselineRoute);
        Bridge bridge = Bridge.start(settings, port);
        try {
            String base = "http://localhost:" + port;
            line("Usage intake benchmark, %s", Instant.now());
            line("machine: %d processors, Java %s; load average at start: %s", Runtime.getRuntime().availableProcessors(),
                    System.getProperty("java.version"), loadAverage());
            line("bridge: %s", bridge.description());
            line("%d client threads (HTTP/1.1, kept alive), lists of %d records over %d subscriptions x %d dimensions,"
                    + " each record with its own id", CLIENTS, RECORDS_PER_LIST, SUBSCRIPTIONS, DIMENSIONS.size());
            List<String> subscriptions = subscribed(base);

            run(base + "/api/benchmark/baseline", OPERATOR, lists(subscriptions, WARM_UP_LISTS), bridge);
            run(base + "/api/usage", INTEGRATION, lists(subscriptions, WARM_UP_LISTS), bridge);
            Phase baseline = run(base + "/api/benchmark/baseline", OPERATOR, lists(subscriptions, LISTS), bridge);
            Phase usage = run(base + "/api/usage", INTEGRATION, lists(subscriptions, LISTS), bridge);
            Phase again = run(base + "/api/usage", INTEGRATION, lists(subscriptions, LISTS), bridge);

            line("");
            line("1. Baseline (POST /api/benchmark/baseline: platform-http, HTTP Basic, body read, 202), %d lists after %d warm-up:",
                    LISTS, WARM_UP_LISTS);
            line("   %s", baseline);
            line("2. Usage intake (POST /api/usage, integration login), %d lists of %d after %d warm-up lists:", LISTS,
                    RECORDS_PER_LIST, WARM_UP_LISTS);
            line("   %s", usage);
            line("3. The same again (the store holds %d more records now):", LISTS * RECORDS_PER_LIST);
            line("   %s", again);
            long stored = storedRecords(base, subscriptions);
            line("records in the store's hourly totals of the %d subscriptions: %d (%d expected)", SUBSCRIPTIONS, stored,
                    (long) (2 * LISTS + WARM_UP_LISTS) * RECORDS_PER_LIST + SUBSCRIPTIONS);
            line("load average at end: %s", loadAverage());
            assertThat(stored).isEqualTo((long) (2 * LISTS + WARM_UP_LISTS) * RECORDS_PER_LIST + SUBSCRIPTIONS);
        } finally {
            bridge.stop();
        }
        System.out.println(summary);
        Files.writeString(DIR.resolve("UsageIntakeBenchmark.txt"), summary);
    }

    /** Buys and activates the subscriptions in the sandbox, and waits until the bridge takes usage of each. */
    private static List<String> subscribed(String base) throws Exception {
        List<String> subscriptions = new ArrayList<>();
        for (int i = 0; i < SUBSCRIPTIONS; i++) {
            JsonNode purchase = JSON.readTree(send(base + "/sandbox/purchases", null, "{\"planId\":\"pro\",\"quantity\":5}").body());
            send(URI.create(purchase.path("landingUrl").asText()), null, null);
            subscriptions.add(purchase.path("subscriptionId").asText());
        }
        for (String id : subscriptions) {
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200)).until(() -> send(base + "/api/usage", INTEGRATION,
                    record(id, DIMENSIONS.get(0))).statusCode() == 202);
        }
        return subscriptions;
    }

    private static List<String> lists(List<String> subscriptions, int count) {
        List<String> lists = new ArrayList<>(count);
        for (int l = 0; l < count; l++) {
            StringBuilder list = new StringBuilder("[");
            for (int r = 0; r < RECORDS_PER_LIST; r++) {
                if (r > 0) {
                    list.append(',');
                }
                list.append(record(subscriptions.get((l * RECORDS_PER_LIST + r) % subscriptions.size()),
                        DIMENSIONS.get(r % DIMENSIONS.size())));
            }
            lists.add(list.append(']').toString());
        }
        return lists;
    }

    private static String record(String subscriptionId, String dimension) {
        String quantity = String.format(Locale.ROOT, "%.3f", 0.001 + ThreadLocalRandom.current().nextDouble(50));
        return "{\"id\":\"" + UUID.randomUUID() + "\",\"subscriptionId\":\"" + subscriptionId + "\",\"dimension\":\"" + dimension
                + "\",\"quantity\":" + quantity + ",\"timestamp\":\"" + Instant.now() + "\"}";
    }

    /** POSTs every list from {@link #CLIENTS} threads as fast as they are answered; each must be 202. */
    private static Phase run(String url, String login, List<String> lists, Bridge bridge) throws Exception {
        long[] latencies = new long[lists.size()];
        int[] statuses = new int[lists.size()];
        long bytes = lists.stream().mapToLong(String::length).sum();
        double cpuBefore = bridge.cpuSeconds();
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        long start = System.nanoTime();
        try {
            AtomicInteger next = new AtomicInteger();
            List<Future<Object>> workers = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                workers.add(clients.submit(() -> {
                    for (int i = next.getAndIncrement(); i < lists.size(); i = next.getAndIncrement()) {
                        long sent = System.nanoTime();
                        HttpResponse<String> answer = send(url, login, lists.get(i));
                        latencies[i] = System.nanoTime() - sent;
                        statuses[i] = answer.statusCode();
                        if (answer.statusCode() != 202) {
                            throw new IllegalStateException(url + " answered " + answer.statusCode() + ": " + answer.body());
                        }
                    }
                    return null;
                }));
            }
            for (Future<Object> worker : workers) {
                worker.get();
            }
        } finally {
            clients.shutdownNow();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        assertThat(statuses).containsOnly(202);
        return new Phase(lists.size(), seconds, bytes, latencies, (bridge.cpuSeconds() - cpuBefore) / seconds);
    }

    private static long storedRecords(String base, List<String> subscriptions) throws Exception {
        long records = 0;
        for (String id : subscriptions) {
            JsonNode usage = JSON.readTree(send(URI.create(base + "/api/subscriptions/" + id + "/usage"), INTEGRATION, null).body());
            for (JsonNode hour : usage.path("hours")) {
                records += hour.path("records").asLong();
            }
        }
        return records;
    }

    private static HttpResponse<String> send(String url, String login, String body) throws IOException, InterruptedException {
        return send(URI.create(url), login, body);
    }

    private static HttpResponse<String> send(URI url, String login, String body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(30));
        if (body != null) {
            request.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        }
        if (login != null) {
            request.header("Authorization", login);
        }
        return CLIENT.get().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static String loadAverage() throws IOException {
        String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
        return fields[0] + " " + fields[1] + " " + fields[2];
    }

    private void line(String format, Object... arguments) {
        summary.append(String.format(Locale.ROOT, format, arguments)).append('\n');
    }

    /** One timed phase: lists, wall-clock seconds, bytes sent, per-list latencies, and the bridge's CPU in cores. */
    private record Phase(int lists, double seconds, long bytes, long[] latencies, double bridgeCores) {

        @Override
        public String toString() {
            long[] sorted = latencies.clone();
            Arrays.sort(sorted);
            return String.format(Locale.ROOT, "%.0f lists/s = %.0f records/s (%.1f s, %.1f MB); per list p50 %.1f ms, p95 %.1f ms,"
                    + " p99 %.1f ms, max %.1f ms; bridge CPU %.2f cores", lists / seconds, lists * (double) RECORDS_PER_LIST / seconds,
                    seconds, bytes / 1e6, rank(sorted, 0.50), rank(sorted, 0.95), rank(sorted, 0.99), sorted[sorted.length - 1] / 1e6,
                    bridgeCores);
        }

        private static double rank(long[] sorted, double percentile) {
            return sorted[(int) Math.ceil(percentile * sorted.length) - 1] / 1e6;
        }
    }

    /** The bridge under test: its own process from the built jar, or, without one, an application in this JVM. */
    private interface Bridge {

        static Bridge start(List<String> settings, int port) throws Exception {
            Path jar = null;
            try (Stream<Path> files = Files.list(Path.of("target"))) {
                jar = files.filter(file -> file.getFileName().toString().matches("marketplace-bridge-.*\\.jar"))
                        .filter(file -> !file.getFileName().toString().endsWith("-plain.jar")).findFirst().orElse(null);
            }
            Bridge bridge = jar != null ? Process.start(jar, settings) : InThisJvm.start(settings);
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() ->
                    send("http://localhost:" + port + "/actuator/health/readiness", null, null).statusCode() == 200);
            return bridge;
        }

        String description();

        double cpuSeconds() throws IOException;

        void stop() throws Exception;
    }

    private record Process(java.lang.Process process, String command) implements Bridge {

        static Process start(Path jar, List<String> settings) throws IOException {
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
            // -Dbenchmark.jvm-options="-XX:StartFlightRecording=filename=target/benchmarks/usage.jfr" profiles the bridge.
            String options = System.getProperty("benchmark.jvm-options", "");
            if (!options.isBlank()) {
                command.addAll(List.of(options.trim().split("\\s+")));
            }
            command.addAll(List.of("-jar", jar.toString()));
            command.addAll(settings);
            java.lang.Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(new File(DIR.resolve("usage-bridge.log").toString())).start();
            return new Process(process, String.join(" ", command));
        }

        @Override
        public String description() {
            return "its own process (log in target/benchmarks/usage-bridge.log): " + command;
        }

        /** utime + stime of /proc/<pid>/stat, in clock ticks of 1/100 s. */
        @Override
        public double cpuSeconds() throws IOException {
            String stat = Files.readString(Path.of("/proc", String.valueOf(process.pid()), "stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / 100.0;
        }

        @Override
        public void stop() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    private record InThisJvm(ConfigurableApplicationContext application) implements Bridge {

        static InThisJvm start(List<String> settings) {
            return new InThisJvm(new SpringApplicationBuilder(MarketplaceBridgeApplication.class).run(settings.toArray(String[]::new)));
        }

        @Override
        public String description() {
            return "in the benchmark's JVM (no target/marketplace-bridge-*.jar: run ./mvnw package -DskipTests first),"
                    + " sharing its CPU with the clients";
        }

        @Override
        public double cpuSeconds() {
            return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime() / 1e9;
        }

        @Override
        public void stop() {
            application.close();
        }
    }
}
