package io.marketplacebridge.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.marketplacebridge.process.AuditFiles;
import io.marketplacebridge.process.CpuSampler;
import io.marketplacebridge.process.JavaProcess;
import io.marketplacebridge.process.Projects;
import io.marketplacebridge.process.Simulator;
import io.marketplacebridge.process.StoreMeters;
import io.marketplacebridge.process.Wrk;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The benchmark of issue 18 with every party in its own process (docs/benchmarks.md "Process benchmark"): the
 * packaged bridge (default profile, embedded broker, H2, production JVM options of config/jvm.options), the
 * marketplace simulator standing in for Microsoft's API (answering after {@code bench.api-latency}) and the
 * publisher's systems (after {@code bench.downstream-latency}), and Debian's wrk sending notifications whose tokens
 * the simulator signed in advance. Run by {@code ./mvnw -Pbenchmark verify}; it prints the table and writes it to
 * target/benchmarks/process-benchmark.md. It fails only when something is lost, never because something was slow.
 */
@Tag("process-benchmark")
class ProcessBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LATENCY = Pattern.compile("^\\s+(50|75|90|99)%\\s+([0-9.]+)(us|ms|s)\\s*$");

    /** The systems the simulator records; the fourth, the audit file, the bridge writes itself. */
    private static final List<String> HTTP_SYSTEMS = List.of("provisioning", "billing", "crm");

    private final int subscriptions = Integer.getInteger("bench.subscriptions", 5000);
    private final int notifications = Integer.getInteger("bench.notifications", 10000);
    private final int connections = Integer.getInteger("bench.connections", 32);
    private final int threads = Integer.getInteger("bench.threads", 2);
    private final int bursts = Integer.getInteger("bench.bursts", 3);
    private final int startupPairs = Integer.getInteger("bench.startup-pairs", 5);
    private final int steadyRate = Integer.getInteger("bench.steady-rate", 200);
    private final int steadySeconds = Integer.getInteger("bench.steady-seconds", 30);
    private final Duration apiLatency = Duration.ofMillis(Long.getLong("bench.api-latency", 50));
    private final Duration downstreamLatency = Duration.ofMillis(Long.getLong("bench.downstream-latency", 20));
    private final Duration deliveryTimeout = Duration.ofSeconds(Long.getLong("bench.delivery-timeout", 600));
    private final Path work = Projects.root().resolve("target/benchmarks/process");
    private final Map<String, Double> mix = new LinkedHashMap<>(Map.of("Renew", 0.4, "ChangeQuantity", 0.25,
            "ChangePlan", 0.15, "Suspend", 0.1, "Reinstate", 0.1));
    private final List<String[]> rows = new ArrayList<>();

    @Test
    void benchmark() throws Exception {
        Wrk.requireInstalled();
        Files.createDirectories(work);
        row("machine", machine(), "", "");
        startUp();
        int simulatorPort = Projects.freePort();
        int bridgePort = Projects.freePort();
        Path data = work.resolve("data");
        deleteRecursively(data);
        try (Simulator simulator = Simulator.start(simulatorPort, "http://127.0.0.1:" + bridgePort, apiLatency, downstreamLatency, work);
                JavaProcess bridge = JavaProcess.start("bridge", Projects.bridgeJar(), bridgeJvmOptions(),
                        bridgeArguments(simulator, bridgePort, data), bridgePort, work.resolve("bridge.log"))) {
            bridge.awaitReady("/actuator/health/readiness", Duration.ofMinutes(3));
            for (int burst = 1; burst <= bursts; burst++) {
                burst(simulator, bridge, data, burst);
                if (burst == 1) {
                    steady(simulator, bridge, data);
                }
            }
        }
        write();
    }

    /** The production JVM options, and {@code bench.jvm-options} (e.g. a Flight Recorder profile) after them. */
    private static List<String> bridgeJvmOptions() {
        List<String> options = new ArrayList<>(Projects.productionJvmOptions());
        String extra = System.getProperty("bench.jvm-options", "");
        if (!extra.isBlank()) {
            options.addAll(List.of(extra.trim().split("\\s+")));
        }
        return options;
    }

    private List<String> bridgeArguments(Simulator simulator, int port, Path data) {
        List<String> arguments = new ArrayList<>(List.of("--spring.profiles.active=simulated,benchmark",
                "--bridge.simulator.url=" + simulator.url(), "--server.port=" + port,
                "--bridge.broker.data-dir=" + data,
                "--camel.main.routes-include-pattern=file:routes/*.camel.yaml,file:src/test/resources/bench/routes/*.camel.yaml"));
        String extra = System.getProperty("bench.bridge-args", "");
        if (!extra.isBlank()) {
            arguments.addAll(List.of(extra.trim().split("\\s+")));
        }
        return arguments;
    }

    /** Sandbox start to readiness against the bare Spring Boot baseline, paired A B A B, median of each. */
    private void startUp() throws Exception {
        if (startupPairs < 1) {
            return;
        }
        Path baselineJar = Projects.root().resolve("src/test/baseline-app/target/startup-baseline-1.jar");
        if (!Files.exists(baselineJar)) {
            Process build = new ProcessBuilder(Projects.root().resolve("mvnw").toString(), "-q", "-B", "-f",
                    "src/test/baseline-app/pom.xml", "package").directory(Projects.root().toFile()).inheritIO().start();
            assertThat(build.waitFor()).as("building the start-up baseline").isZero();
        }
        Path baselineDir = Files.createDirectories(work.resolve("baseline-app"));
        List<Double> bridgeSeconds = new ArrayList<>();
        List<Double> baselineSeconds = new ArrayList<>();
        for (int pair = 0; pair < startupPairs; pair++) {
            Path data = work.resolve("startup-data");
            deleteRecursively(data);
            int port = Projects.freePort();
            try (JavaProcess sandbox = JavaProcess.start("sandbox", Projects.bridgeJar(), Projects.productionJvmOptions(),
                    List.of("--spring.profiles.active=sandbox", "--server.port=" + port, "--bridge.broker.data-dir=" + data),
                    port, work.resolve("startup-sandbox.log"))) {
                bridgeSeconds.add(sandbox.awaitReady("/actuator/health/readiness", Duration.ofMinutes(3)).toMillis() / 1000.0);
            }
            port = Projects.freePort();
            // Started in a directory of its own: the bridge's config/application.yaml is not the baseline's.
            try (JavaProcess baseline = JavaProcess.startIn(baselineDir, "baseline", baselineJar, Projects.productionJvmOptions(),
                    List.of("--server.port=" + port, "--management.endpoint.health.probes.enabled=true"), port,
                    work.resolve("startup-baseline.log"))) {
                baselineSeconds.add(baseline.awaitReady("/actuator/health/readiness", Duration.ofMinutes(3)).toMillis() / 1000.0);
            }
        }
        double bridge = median(bridgeSeconds);
        double baseline = median(baselineSeconds);
        row("start-up: sandbox / bare Spring Boot web + actuator (median of " + startupPairs + ", A B A B)",
                String.format(Locale.ROOT, "%.2f× (%.1f s / %.1f s)", bridge / baseline, bridge, baseline), "≤ 2.0×",
                "sandbox " + seconds(bridgeSeconds) + "; baseline " + seconds(baselineSeconds));
    }

    private void burst(Simulator simulator, JavaProcess bridge, Path data, int burst) throws Exception {
        simulator.reset();
        Prepared prepared = spreadOut(simulator.prepare(subscriptions, notifications, mix, burst, work.resolve("burst-" + burst + ".tsv")),
                2 * connections);
        if (burst == 1) {
            Wrk.Run baseline = Wrk.send(bridge.url() + "/bench/baseline", prepared.file(), threads, connections, 0, work.resolve("baseline"));
            Wrk.Run intake = sendBurst(bridge, prepared, burst, data, simulator);
            row("intake: durable 200s/s on POST /api/webhook over a bare platform-http route (" + connections + " connections)",
                    String.format(Locale.ROOT, "%.2f (%.0f/s over %.0f/s)", intake.perSecond(200) / baseline.perSecond(200),
                            intake.perSecond(200), baseline.perSecond(200)), "≥ 0.5", notifications + " notifications each");
        } else {
            sendBurst(bridge, prepared, burst, data, simulator);
        }
        Thread.sleep(5000);
        row("memory: RSS after burst " + burst, mb(bridge.rssBytes()), "≤ 512 MB, no growth",
                "CPU used by the bridge so far " + bridge.cpuMillis() / 1000 + " s");
    }

    private Wrk.Run sendBurst(JavaProcess bridge, Prepared prepared, int burst, Path data, Simulator simulator) throws Exception {
        long cpuBefore = bridge.cpuMillis();
        long simulatorCpuBefore = simulator.cpuMillis();
        StoreMeters storeBefore = storeMeters(bridge);
        Wrk.Run run;
        Delivery delivery;
        CpuSampler.Sample intakeCpu;
        CpuSampler.Sample afterIntakeCpu;
        try (CpuSampler cpuSampler = CpuSampler.start(bridge::cpuMillis, simulator::cpuMillis)) {
            run = Wrk.send(bridge.url() + "/api/webhook", prepared.file(), threads, connections, 0, work.resolve("burst-" + burst));
            assertThat(run.count(200)).as("webhooks answered 200 in burst " + burst).isEqualTo(notifications);
            Set<String> operations = run.answeredAt(200).keySet();
            // A notification sent again (wrk lost it) arrives after its subscription's later ones: only then may the
            // order differ.
            delivery = awaitDelivered(simulator, data, operations, prepared.orderHolds(run));
            intakeCpu = cpuSampler.average(run.startedAtMillis(), run.lastAnswerAtMillis());
            afterIntakeCpu = cpuSampler.average(run.lastAnswerAtMillis(), delivery.lastAtMillis());
            cpuSampler.write(work.resolve("burst-" + burst + "/cpu.tsv"));
        }
        double endToEnd = (delivery.lastAtMillis() - run.startedAtMillis()) / 1000.0;
        long cpu = bridge.cpuMillis() - cpuBefore;
        long simulatorCpu = simulator.cpuMillis() - simulatorCpuBefore;
        StoreMeters store = storeMeters(bridge).since(storeBefore);
        row("end to end, burst " + burst + ": " + notifications + " notifications over " + subscriptions
                        + " subscriptions, first POST → last delivery at all four systems",
                String.format(Locale.ROOT, "%.1f s (%.0f notifications/s)", endToEnd, notifications / endToEnd), "≤ 60 s",
                delivery.summary() + String.format(Locale.ROOT, "; CPU per notification: bridge %.1f ms, simulator %.1f ms",
                        (double) cpu / notifications, (double) simulatorCpu / notifications)
                        + String.format(Locale.ROOT, "; cores in use (machine / bridge / simulator) while wrk sent %.2f / %.2f / %.2f,"
                                + " after it %.2f / %.2f / %.2f", intakeCpu.machine(), intakeCpu.bridge(), intakeCpu.simulator(),
                                afterIntakeCpu.machine(), afterIntakeCpu.bridge(), afterIntakeCpu.simulator())
                        + "; registry: " + store.describe(endToEnd)
                        + (run.resent() > 0 ? "; " + run.resent() + " lost by wrk, sent again" : "")
                        + prepared.note());
        acknowledgements(simulator, run, burst);
        return run;
    }

    /** The registry's group commits so far, as the operator of the {@code simulated} profile reads them. */
    private static StoreMeters storeMeters(JavaProcess bridge) throws Exception {
        return StoreMeters.read(bridge.url(), "admin", "simulated-admin");
    }

    /** Webhook 200 → first PATCH at the simulator, for every change in the burst. */
    private void acknowledgements(Simulator simulator, Wrk.Run run, int burst) throws Exception {
        Map<String, Double> answered = run.answeredAt(200);
        List<Double> latencies = new ArrayList<>();
        int missing = 0;
        int repeated = 0;
        for (JsonNode acknowledgement : simulator.report().path("acknowledgements")) {
            // Reinstate is answered in order by webhook-processing; the 10-second window is for changes.
            if (!List.of("ChangePlan", "ChangeQuantity").contains(acknowledgement.path("action").asText())) {
                continue;
            }
            JsonNode patchedAt = acknowledgement.path("firstPatchAt");
            Double at = answered.get(acknowledgement.path("operationId").asText());
            if (patchedAt.isMissingNode() || patchedAt.isNull() || at == null) {
                missing++;
                continue;
            }
            if (acknowledgement.path("patches").asInt() > 1) {
                repeated++;
            }
            latencies.add((patchedAt.asDouble() - at) / 1000.0);
        }
        Collections.sort(latencies);
        long over5 = latencies.stream().filter(latency -> latency > 5).count();
        row("acknowledgement under backlog, burst " + burst + ": webhook 200 → PATCH at the stand-in (" + latencies.size()
                        + " changes)",
                String.format(Locale.ROOT, "p50 %.2f s, p99 %.2f s, max %.2f s, %d over 5 s", percentile(latencies, 50),
                        percentile(latencies, 99), percentile(latencies, 100), over5),
                "p99 ≤ 2 s, none over 5 s", missing + " not acknowledged, " + repeated + " PATCHed more than once");
        assertThat(missing).as("changes never acknowledged").isZero();
    }

    /** A steady load at bench.steady-rate requests/s while processing runs: intake latency. */
    private void steady(Simulator simulator, JavaProcess bridge, Path data) throws Exception {
        if (steadySeconds < 1) {
            return;
        }
        simulator.reset();
        int count = steadyRate * steadySeconds;
        int steadyConnections = 10;
        Prepared prepared = spreadOut(simulator.prepare(Math.max(1, count / 2), count, mix, 100, work.resolve("steady.tsv")),
                2 * steadyConnections);
        int pause = steadyConnections * 1000 / steadyRate;
        Wrk.Run run = Wrk.send(bridge.url() + "/api/webhook", prepared.file(), threads, steadyConnections, pause, work.resolve("steady"));
        Map<String, Double> latency = wrkLatency(work.resolve("steady/wrk.out"));
        row("intake latency at a fixed " + steadyRate + " requests/s while processing runs (" + count + " notifications)",
                String.format(Locale.ROOT, "p50 %.1f ms, p99 %.1f ms (%.0f requests/s reached)", latency.get("50"),
                        latency.get("99"), run.perSecond(200)), "p99 ≤ 25 ms",
                "wrk's latency (closed loop: " + steadyConnections + " connections pausing " + pause + " ms)"
                        + prepared.note());
        awaitDelivered(simulator, data, run.answeredAt(200).keySet(), prepared.orderHolds(run));
    }

    /** The lines wrk sends, and how many pairs of one subscription's notifications are closer than the order needs. */
    private record Prepared(Path file, int closePairs) {

        /** Whether the order at the systems is asserted: no pair was sent too close, and wrk sent nothing again. */
        boolean orderHolds(Wrk.Run run) {
            return run.resent() == 0 && closePairs == 0;
        }

        /** The table's note on the pairs, or nothing. */
        String note() {
            return closePairs > 0 ? "; " + closePairs + " pairs of one subscription sent close together" : "";
        }
    }

    /**
     * Orders the prepared lines so that a subscription's notifications are at least {@code apart} lines apart (twice
     * the connections), each subscription's still in its order: wrk sends over many connections at once, and two
     * notifications of one subscription sent at the same moment may arrive in either order, which Microsoft's own
     * calls may too; the bridge keeps the order they arrive in. Every subscription's first comes first, then every
     * second, and a line whose subscription was sent too recently waits for the next place. Only when nothing else is
     * left (the last notifications of the subscriptions with the most) are two sent closer: counted, and then the
     * order at the systems is reported, not asserted.
     */
    private static Prepared spreadOut(Path prepared, int apart) throws IOException {
        Map<String, Integer> seen = new java.util.HashMap<>();
        List<String[]> ranked = new ArrayList<>();
        for (String line : Files.readAllLines(prepared)) {
            String subscription = JSON.readTree(line.split("\t", 3)[2]).path("subscriptionId").asText();
            int rank = seen.merge(subscription, 1, Integer::sum);
            ranked.add(new String[] {String.valueOf(rank), subscription, line});
        }
        ranked.sort(java.util.Comparator.comparingInt(entry -> Integer.parseInt(entry[0])));
        java.util.LinkedList<String[]> pending = new java.util.LinkedList<>(ranked);
        Map<String, Integer> sentAt = new java.util.HashMap<>();
        List<String> ordered = new ArrayList<>();
        int closePairs = 0;
        while (!pending.isEmpty()) {
            String[] next = null;
            for (java.util.Iterator<String[]> candidates = pending.iterator(); candidates.hasNext(); ) {
                String[] candidate = candidates.next();
                Integer last = sentAt.get(candidate[1]);
                if (last == null || ordered.size() - last >= apart) {
                    next = candidate;
                    candidates.remove();
                    break;
                }
            }
            if (next == null) {
                next = pending.removeFirst();
                closePairs++;
            }
            sentAt.put(next[1], ordered.size());
            ordered.add(next[2]);
        }
        Files.write(prepared, ordered);
        return new Prepared(prepared, closePairs);
    }

    private record Delivery(double lastAtMillis, String summary) {
    }

    /** Waits until every operation's event is at provisioning, billing, the CRM and in the audit file. */
    private Delivery awaitDelivered(Simulator simulator, Path data, Set<String> operations, boolean inOrder) throws Exception {
        long deadline = System.nanoTime() + deliveryTimeout.toNanos();
        while (true) {
            JsonNode report = simulator.report();
            boolean complete = true;
            for (String system : HTTP_SYSTEMS) {
                complete &= report.path(system).path("neverDelivered").asInt(-1) == 0;
            }
            boolean timedOut = System.nanoTime() > deadline;
            if (!complete && !timedOut) {
                // The audit files (every event of the run so far) are read only once the three systems have every
                // event: read at each poll, they kept about half a core busy beside the bridge and the simulator.
                Thread.sleep(1000);
                continue;
            }
            Audit audit = audit(data, operations);
            complete &= audit.missing() == 0;
            StringBuilder summary = new StringBuilder();
            double last = audit.lastAtMillis();
            for (String system : HTTP_SYSTEMS) {
                JsonNode figures = report.path(system);
                last = Math.max(last, figures.path("lastAt").asDouble());
                summary.append(system).append(": ").append(figures.path("distinctKeys").asInt()).append(" events, ")
                        .append(figures.path("repeated").asInt()).append(" repeated, ")
                        .append(figures.path("outOfOrder").asInt()).append(" out of order; ");
            }
            summary.append("audit: ").append(operations.size() - audit.missing()).append(" events");
            if (complete && inOrder) {
                for (String system : HTTP_SYSTEMS) {
                    assertThat(report.path(system).path("outOfOrder").asInt()).as(system + " out of order").isZero();
                }
            }
            if (complete) {
                return new Delivery(last, summary.toString());
            }
            if (timedOut) {
                throw new AssertionError("Not delivered within " + deliveryTimeout + ": " + summary + ", audit missing " + audit.missing());
            }
            Thread.sleep(1000);
        }
    }

    private record Audit(int missing, double lastAtMillis) {
    }

    private static Audit audit(Path data, Set<String> operations) throws IOException {
        Set<String> seen = new HashSet<>();
        double last = 0;
        for (JsonNode entry : AuditFiles.entries(data)) {
            String eventId = entry.path("eventId").asText();
            if (operations.contains(eventId)) {
                seen.add(eventId);
                last = Math.max(last, Instant.parse(entry.path("recordedAt").asText()).toEpochMilli());
            }
        }
        return new Audit(operations.size() - seen.size(), last);
    }

    private static Map<String, Double> wrkLatency(Path output) throws IOException {
        Map<String, Double> millis = new LinkedHashMap<>();
        for (String line : Files.readAllLines(output)) {
            Matcher matcher = LATENCY.matcher(line);
            if (matcher.matches()) {
                double value = Double.parseDouble(matcher.group(2));
                millis.put(matcher.group(1), switch (matcher.group(3)) {
                    case "us" -> value / 1000;
                    case "s" -> value * 1000;
                    default -> value;
                });
            }
        }
        return millis;
    }

    private void row(String figure, String value, String target, String notes) {
        rows.add(new String[] {figure, value, target, notes});
        System.out.println("| " + String.join(" | ", figure, value, target, notes) + " |");
    }

    private void write() throws IOException {
        StringBuilder table = new StringBuilder("| figure | measured | target | notes |\n|---|---|---|---|\n");
        for (String[] row : rows) {
            table.append("| ").append(String.join(" | ", row)).append(" |\n");
        }
        String heading = "Process benchmark, " + DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").format(Instant.now().atOffset(ZoneOffset.UTC))
                + "\n\n";
        Files.writeString(Projects.root().resolve("target/benchmarks/process-benchmark.md"), heading + table);
        System.out.println(heading + table);
    }

    private static String machine() throws IOException {
        String load = Files.readString(Path.of("/proc/loadavg")).trim();
        return Runtime.getRuntime().availableProcessors() + " cores, Java " + System.getProperty("java.version")
                + ", load average at start " + load.substring(0, load.indexOf(' ', load.indexOf(' ') + 1));
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int middle = sorted.size() / 2;
        return sorted.size() % 2 == 1 ? sorted.get(middle) : (sorted.get(middle - 1) + sorted.get(middle)) / 2;
    }

    private static double percentile(List<Double> sorted, int percentile) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        int index = (int) Math.ceil(percentile / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    private static String seconds(List<Double> values) {
        return values.stream().map(value -> String.format(Locale.ROOT, "%.1f", value)).reduce((a, b) -> a + ", " + b).orElse("") + " s";
    }

    private static String mb(long bytes) {
        return bytes / (1024 * 1024) + " MB";
    }

    private static void deleteRecursively(Path path) throws IOException {
        if (Files.exists(path)) {
            try (Stream<Path> walk = Files.walk(path)) {
                for (Path file : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(file);
                }
            }
        }
    }
}
