package io.marketplacebridge.process;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The marketplace simulator in its own process ({@code --spring.profiles.active=simulator}; docs/simulator.md): Microsoft's
 * side and the publisher's systems for the benchmark and the fault tests, driven by its load API.
 */
public final class Simulator implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final JavaProcess process;

    private Simulator(JavaProcess process) {
        this.process = process;
    }

    /** Starts the simulator on {@code port}; {@code bridgeUrl} is where its own webhook deliveries go. */
    public static Simulator start(int port, String bridgeUrl, Duration apiLatency, Duration downstreamLatency, Path logs)
            throws IOException, InterruptedException {
        return start(port, bridgeUrl, apiLatency, downstreamLatency, logs, List.of());
    }

    /** As {@link #start(int, String, Duration, Duration, Path)}, with more settings ({@code --bridge.simulator.webhook.max-backoff=5s}). */
    public static Simulator start(int port, String bridgeUrl, Duration apiLatency, Duration downstreamLatency, Path logs,
            List<String> settings) throws IOException, InterruptedException {
        List<String> arguments = new java.util.ArrayList<>(List.of(
                "--spring.profiles.active=simulator", "--server.port=" + port,
                "--bridge.simulator.bridge-url=" + bridgeUrl,
                "--bridge.simulator.api-latency=" + apiLatency.toMillis() + "ms",
                "--bridge.simulator.downstream-latency=" + downstreamLatency.toMillis() + "ms"));
        arguments.addAll(settings);
        JavaProcess process = JavaProcess.start("simulator", Projects.bridgeJar(), List.of("-Xmx1g"), arguments, port,
                logs.resolve("simulator.log"));
        process.awaitReady("/actuator/health", Duration.ofSeconds(120));
        return new Simulator(process);
    }

    /** CPU time the simulator's process has used so far (its Fulfillment API and the recording systems). */
    public long cpuMillis() {
        return process.cpuMillis();
    }

    public String url() {
        return process.url();
    }

    /**
     * The properties that point a bridge at this simulator (config/application-simulated.yaml): Microsoft's API and
     * keys, the publisher's systems.
     */
    public List<String> bridgeArguments() {
        return List.of("--spring.profiles.active=simulated", "--bridge.simulator.url=" + url());
    }

    /** Prepares notifications (nothing sent) and writes the lines wrk sends to {@code file}. */
    public Path prepare(int subscriptions, int notifications, Map<String, Double> mix, long seed, Path file)
            throws IOException, InterruptedException {
        String body = JSON.writeValueAsString(Map.of("subscriptions", subscriptions, "notifications", notifications,
                "mix", mix, "tokenLifetime", "PT2H", "seed", seed));
        HttpResponse<Path> answer = HTTP.send(HttpRequest.newBuilder(URI.create(url() + "/sandbox/load/prepare"))
                .timeout(Duration.ofMinutes(5)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                // ofFile(file) alone writes over an older, longer file without truncating it: its tail stayed behind.
                HttpResponse.BodyHandlers.ofFile(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING));
        if (answer.statusCode() != 200) {
            throw new IllegalStateException("prepare answered " + answer.statusCode() + ": " + Files.readString(file));
        }
        return file;
    }

    /** The simulator's report (GET /sandbox/load/report). */
    public JsonNode report() throws IOException, InterruptedException {
        return JSON.readTree(get("/sandbox/load/report"));
    }

    public void reset() throws IOException, InterruptedException {
        post("/sandbox/load/reset", "{}");
    }

    public String get(String path) throws IOException, InterruptedException {
        HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(URI.create(url() + path)).timeout(Duration.ofSeconds(60)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() != 200) {
            throw new IllegalStateException("GET " + path + " answered " + answer.statusCode() + ": " + answer.body());
        }
        return answer.body();
    }

    public String post(String path, String json) throws IOException, InterruptedException {
        HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(URI.create(url() + path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() / 100 != 2) {
            throw new IllegalStateException("POST " + path + " answered " + answer.statusCode() + ": " + answer.body());
        }
        return answer.body();
    }

    @Override
    public void close() throws InterruptedException {
        process.close();
    }
}
