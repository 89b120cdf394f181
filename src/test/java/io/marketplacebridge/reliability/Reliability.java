package io.marketplacebridge.reliability;

import static io.marketplacebridge.Logins.basic;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.marketplacebridge.process.AuditFiles;
import io.marketplacebridge.process.JavaProcess;
import io.marketplacebridge.process.Projects;
import io.marketplacebridge.process.Simulator;
import io.marketplacebridge.registry.StoreConfiguration;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * What the fault tests (docs/reliability.md) share: their sizes from system properties, the simulator's settings,
 * the bridge's arguments, the audit file, the dead-letter counts and the figures they write to
 * {@code target/reliability/<scenario>.md}.
 */
final class Reliability {

    static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> SYSTEMS = List.of("provisioning", "billing", "crm");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** Webhooks in the burst ({@code -Dreliability.webhooks}). */
    static final int WEBHOOKS = Integer.getInteger("reliability.webhooks", 300);
    /** Subscriptions they are about ({@code -Dreliability.subscriptions}). */
    static final int SUBSCRIPTIONS = Integer.getInteger("reliability.subscriptions", 60);
    /** The seed of the load and of the kill points ({@code -Dreliability.seed}). */
    static final long SEED = Long.getLong("reliability.seed", 1);
    /** Longest wait for everything to be delivered after the last fault ({@code -Dreliability.timeout}, seconds). */
    static final Duration TIMEOUT = Duration.ofSeconds(Long.getLong("reliability.timeout", 600));
    /** The mix of the benchmark: changes that need an acknowledgement, and events that do not. */
    static final Map<String, Double> MIX = new LinkedHashMap<>(Map.of("Renew", 0.4, "ChangeQuantity", 0.25,
            "ChangePlan", 0.15, "Suspend", 0.1, "Reinstate", 0.1));

    private Reliability() {
    }

    /** A further check of the simulator's report while {@link #awaitEverything} waits. */
    @FunctionalInterface
    interface ReportCheck {
        void check(JsonNode report) throws Exception;
    }

    /**
     * Waits (up to {@code -Dreliability.timeout}) until all {@code webhooks} are acknowledged, provisioning, billing
     * and the CRM have every event, the audit file under {@code data} has them all, every change had its Update
     * Operation, and {@code more} holds; the simulator's last report.
     */
    static JsonNode awaitEverything(Simulator simulator, int webhooks, Path data, Set<String> operations, ReportCheck more) {
        AtomicReference<JsonNode> last = new AtomicReference<>();
        await().atMost(TIMEOUT).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            JsonNode report = simulator.report();
            last.set(report);
            JsonNode counts = report.path("webhooks");
            assertThat(counts.path("acknowledged").asInt()).as("webhooks acknowledged; " + counts).isEqualTo(webhooks);
            for (String system : SYSTEMS) {
                assertThat(report.path(system).path("neverDelivered").asInt(-1)).as(system + " never delivered; "
                        + systems(report)).isZero();
            }
            assertThat(audit(data, operations).events()).as("events in the audit file").isEqualTo(webhooks);
            assertThat(unacknowledgedChanges(report)).as("changes without Update Operation").isZero();
            more.check(report);
        });
        return last.get();
    }

    static Path work(String scenario) throws IOException {
        Path work = Projects.root().resolve("target/reliability/" + scenario);
        deleteRecursively(work);
        return Files.createDirectories(work);
    }

    /**
     * Microsoft's retries, shortened so that a test waits seconds rather than minutes for the call after a failure:
     * 1 s, 2 s, 4 s, then every 5 s, as many times as it takes within the test's time-out.
     */
    static Simulator simulator(int port, int bridgePort, Path work) throws IOException, InterruptedException {
        return Simulator.start(port, "http://127.0.0.1:" + bridgePort, Duration.ZERO, Duration.ZERO, work, List.of(
                "--bridge.simulator.webhook.attempts=1000", "--bridge.simulator.webhook.first-backoff=1s",
                "--bridge.simulator.webhook.max-backoff=5s", "--bridge.simulator.webhook.give-up-after=1h"));
    }

    /** The bridge of the {@code simulated} profile on its own data directory, plus {@code extra}. */
    static List<String> bridgeArguments(Simulator simulator, int port, Path data, String... extra) {
        List<String> arguments = new ArrayList<>(simulator.bridgeArguments());
        arguments.addAll(List.of("--server.port=" + port, "--bridge.broker.data-dir=" + data));
        arguments.addAll(List.of(extra));
        arguments.addAll(extraBridgeArguments());
        return arguments;
    }

    /** Settings for every bridge a fault test starts, last so they win: {@code -Dreliability.bridge-args="--a=1 --b=2"}. */
    static List<String> extraBridgeArguments() {
        String extra = System.getProperty("reliability.bridge-args", "").trim();
        return extra.isEmpty() ? List.of() : List.of(extra.split("\\s+"));
    }

    /**
     * Starts the packaged bridge with {@code arguments} (its log {@code bridge-<run>.log} in {@code work}) and waits
     * until it is ready; a bridge that is not ready is killed.
     */
    static JavaProcess startBridge(List<String> arguments, int port, Path work, int run) throws Exception {
        JavaProcess bridge = JavaProcess.start("bridge", Projects.bridgeJar(), Projects.productionJvmOptions(), arguments, port,
                work.resolve("bridge-" + run + ".log"));
        try {
            bridge.awaitReady("/actuator/health/readiness", Duration.ofMinutes(3));
        } catch (RuntimeException | IOException | InterruptedException notReady) {
            bridge.kill();
            throw notReady;
        }
        return bridge;
    }

    /** A seeded kill point among {@code total} steps: between 5 % and 95 % of them, at least the first. */
    static int killPoint(Random random, int total) {
        return Math.max(1, (int) (total * (0.05 + 0.9 * random.nextDouble())));
    }

    /**
     * The bridge's embedded store, as the bridge opens it, as an H2 file that a test may open too while the bridge
     * runs (with {@code --bridge.store.url=} this and {@code --bridge.store.username=bridge}).
     */
    static String storeUrl(Path data) {
        return StoreConfiguration.embeddedUrl(data.toAbsolutePath().resolve("store").resolve("bridge")) + ";AUTO_SERVER=TRUE";
    }

    /** Forgets the simulator's state (behaviours included) and prepares the burst on Microsoft's side. */
    static void prepare(Simulator simulator, Path work) throws IOException, InterruptedException {
        simulator.reset();
        simulator.prepare(SUBSCRIPTIONS, WEBHOOKS, MIX, SEED, work.resolve("load.tsv"));
    }

    /** Starts sending the prepared burst as Microsoft does: 16 calls at a time, in order per subscription, retried. */
    static void send(Simulator simulator) throws IOException, InterruptedException {
        simulator.post("/sandbox/load/send", "{\"concurrency\": 16}");
    }

    /** The operation ids of the prepared burst (first field of each line). */
    static Set<String> operations(Path work) throws IOException {
        Set<String> operations = new HashSet<>();
        for (String line : Files.readAllLines(work.resolve("load.tsv"))) {
            operations.add(line.split("\t", 2)[0]);
        }
        return operations;
    }

    /** How the audit file holds the burst's events: how many of them, and how many lines repeat one. */
    record Audit(int events, int repeatedLines) {
    }

    static Audit audit(Path data, Set<String> operations) throws IOException {
        Map<String, Integer> lines = new HashMap<>();
        for (JsonNode entry : AuditFiles.entries(data)) {
            String eventId = entry.path("eventId").asText();
            if (operations.contains(eventId)) {
                lines.merge(eventId, 1, Integer::sum);
            }
        }
        int repeated = lines.values().stream().mapToInt(count -> count - 1).sum();
        return new Audit(lines.size(), repeated);
    }

    /** Changes ({@code ChangePlan}, {@code ChangeQuantity}, {@code Reinstate}) whose Update Operation never came. */
    static int unacknowledgedChanges(JsonNode report) {
        int missing = 0;
        for (JsonNode acknowledgement : report.path("acknowledgements")) {
            JsonNode patchedAt = acknowledgement.path("firstPatchAt");
            if (patchedAt.isMissingNode() || patchedAt.isNull()) {
                missing++;
            }
        }
        return missing;
    }

    /** Changes whose Update Operation came more than once. */
    static int repeatedAcknowledgements(JsonNode report) {
        int repeated = 0;
        for (JsonNode acknowledgement : report.path("acknowledgements")) {
            if (acknowledgement.path("patches").asInt() > 1) {
                repeated++;
            }
        }
        return repeated;
    }

    /** Messages in every dead-letter queue, asked of the bridge's dead-letter API with the simulated profile's operator. */
    static Map<String, Integer> deadLetters(String bridgeUrl) throws IOException, InterruptedException {
        HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(URI.create(bridgeUrl + "/api/admin/dead-letters"))
                .timeout(Duration.ofSeconds(60)).header("Authorization", basic("admin:simulated-admin")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() != 200) {
            throw new IllegalStateException("GET /api/admin/dead-letters answered " + answer.statusCode() + ": " + answer.body());
        }
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (JsonNode queue : JSON.readTree(answer.body()).path("queues")) {
            counts.put(queue.path("queue").asText(), queue.path("messages").asInt());
        }
        return counts;
    }

    /** Per system: the report's figures in one line. */
    static String systems(JsonNode report) {
        StringBuilder line = new StringBuilder();
        for (String system : SYSTEMS) {
            JsonNode figures = report.path(system);
            line.append(system).append(": ").append(figures.path("distinctKeys").asInt()).append(" events, ")
                    .append(figures.path("deliveries").asInt()).append(" deliveries, ")
                    .append(figures.path("refused").asInt()).append(" refused, ")
                    .append(figures.path("repeated").asInt()).append(" repeated (")
                    .append(figures.path("acceptedRepeats").asInt()).append(" accepted), ")
                    .append(figures.path("neverDelivered").asInt()).append(" never delivered, ")
                    .append(figures.path("outOfOrder").asInt()).append(" out of order; ");
        }
        return line.toString();
    }

    /** The figures of one run, as a table written to target/reliability/&lt;scenario&gt;.md and printed. */
    static final class Figures {

        private final String scenario;
        private final List<String[]> rows = new ArrayList<>();

        Figures(String scenario) throws IOException {
            this(scenario, WEBHOOKS, SUBSCRIPTIONS);
        }

        /** For a scenario whose burst has a size of its own. */
        Figures(String scenario, int webhooks, int subscriptions) throws IOException {
            this(scenario, webhooks + " webhooks over " + subscriptions + " subscriptions");
        }

        /** For a scenario whose size is not a burst of webhooks: {@code size} says what it is. */
        Figures(String scenario, String size) throws IOException {
            this.scenario = scenario;
            row("machine", machine());
            row("size", size + ", seed " + SEED);
        }

        /** The simulator's webhook counts: sent, and acknowledged with the calls it took. */
        void webhooks(JsonNode webhooks) {
            row("sent", webhooks.path("sent").asInt());
            row("acknowledged", webhooks.path("acknowledged").asInt() + " (" + webhooks.path("attempts").asInt()
                    + " calls, retries included; " + webhooks.path("givenUp").asInt() + " given up)");
        }

        /** Per system of the simulator's report: delivered once, again with the same key, lost, out of order. */
        void systems(JsonNode report) {
            for (String system : SYSTEMS) {
                JsonNode counts = report.path(system);
                row(system + ": delivered once / again with the same key (accepted again) / lost / out of order",
                        counts.path("distinctKeys").asInt() + " / " + counts.path("repeated").asInt() + " ("
                                + counts.path("acceptedRepeats").asInt() + ") / " + counts.path("neverDelivered").asInt()
                                + " / " + counts.path("outOfOrder").asInt());
            }
        }

        /**
         * Changes acknowledged (Update Operation), PATCHed more than once, and acknowledged past Microsoft's window
         * (BridgeMetrics warns of each in the bridges' logs under {@code work}): reported, not asserted.
         */
        void acknowledgements(JsonNode report, Path work) throws IOException {
            row("changes acknowledged / PATCHed more than once", (report.path("acknowledgements").size()
                    - unacknowledgedChanges(report)) + " / " + repeatedAcknowledgements(report));
            row("changes acknowledged past Microsoft's 10-second window (bridge log warnings)",
                    bridgeLogLines(work, "past Microsoft's 10-second window"));
        }

        void row(String figure, Object value) {
            rows.add(new String[] {figure, String.valueOf(value)});
            System.out.println("[" + scenario + "] " + figure + ": " + value);
        }

        void write() throws IOException {
            StringBuilder table = new StringBuilder(scenario + ", " + DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")
                    .format(Instant.now().atOffset(ZoneOffset.UTC)) + "\n\n| figure | value |\n|---|---|\n");
            for (String[] row : rows) {
                table.append("| ").append(row[0]).append(" | ").append(row[1].replace("|", "\\|")).append(" |\n");
            }
            Path file = Projects.root().resolve("target/reliability/" + scenario + ".md");
            Files.createDirectories(file.getParent());
            Files.writeString(file, table);
            System.out.println(table);
        }
    }

    /** The simulated profile's secrets and a signed JWT's shape (as LogsHoldNoSecretsTest looks for them). */
    private static final List<java.util.regex.Pattern> SECRETS = List.of(java.util.regex.Pattern.compile("simulator-not-a-secret"),
            java.util.regex.Pattern.compile("simulated-admin\\b"), java.util.regex.Pattern.compile("simulated-integration"),
            java.util.regex.Pattern.compile("eyJ[A-Za-z0-9_-]{10,}\\.eyJ[A-Za-z0-9_-]{10,}\\.[A-Za-z0-9_-]{10,}"));

    /** The bridge's logs in {@code work} ({@code bridge*.log}): each secret or token found, as file and pattern. */
    static List<String> secretsInBridgeLogs(Path work) throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.list(work)) {
            for (Path log : files.filter(file -> file.getFileName().toString().matches("bridge.*\\.log")).sorted().toList()) {
                String text = Files.readString(log, StandardCharsets.UTF_8);
                for (java.util.regex.Pattern secret : SECRETS) {
                    if (secret.matcher(text).find()) {
                        found.add(log.getFileName() + " shows " + secret.pattern());
                    }
                }
            }
        }
        return found;
    }

    /** Lines of the bridge's logs in {@code work} that contain {@code text}. */
    static long bridgeLogLines(Path work, String text) throws IOException {
        long count = 0;
        try (Stream<Path> files = Files.list(work)) {
            for (Path log : files.filter(file -> file.getFileName().toString().matches("bridge.*\\.log")).toList()) {
                try (Stream<String> lines = Files.lines(log, StandardCharsets.UTF_8)) {
                    count += lines.filter(line -> line.contains(text)).count();
                }
            }
        }
        return count;
    }

    static String machine() throws IOException {
        String load = Files.readString(Path.of("/proc/loadavg")).trim();
        return Runtime.getRuntime().availableProcessors() + " cores, Java " + System.getProperty("java.version")
                + ", load average at start " + load.substring(0, load.indexOf(' ', load.indexOf(' ') + 1));
    }

    static String seconds(long startedNanos) {
        return String.format(java.util.Locale.ROOT, "%.1f s", (System.nanoTime() - startedNanos) / 1e9);
    }

    static void deleteRecursively(Path path) throws IOException {
        if (Files.exists(path)) {
            try (Stream<Path> walk = Files.walk(path)) {
                for (Path file : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(file);
                }
            }
        }
    }
}
