package io.marketplacebridge.process;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Java application started as its own process, as an operator starts it ({@code java <options> -jar <jar> <args>}
 * in the project directory, so that {@code config/} and {@code routes/} are found), with its output in a log file.
 * Used by the benchmarks and the fault tests, which need the bridge in a process they can kill.
 */
public final class JavaProcess implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String name;
    private final Process process;
    private final long startedNanos;
    private final Path log;
    private final int port;

    private JavaProcess(String name, Process process, long startedNanos, Path log, int port) {
        this.name = name;
        this.process = process;
        this.startedNanos = startedNanos;
        this.log = log;
        this.port = port;
    }

    /** Starts {@code jar} with the JVM {@code options} and application {@code args}; its log goes to {@code log}. */
    public static JavaProcess start(String name, Path jar, List<String> options, List<String> args, int port, Path log)
            throws IOException {
        return startIn(Projects.root(), name, jar, options, args, port, log);
    }

    /**
     * As {@link #start}, in {@code directory} instead of the project's. The bridge's jar starts with class-data
     * sharing when {@code -Dit.cds=true} ({@link ClassDataSharing}).
     */
    public static JavaProcess startIn(Path directory, String name, Path jar, List<String> options, List<String> args, int port,
            Path log) throws IOException {
        ClassDataSharing.Launch launch = ClassDataSharing.of(jar);
        List<String> jvm = new ArrayList<>(options);
        jvm.addAll(Projects.testJvmOptions());
        jvm.addAll(launch.options());
        return launchIn(directory, name, launch.jar(), jvm, args, port, log);
    }

    /** Starts {@code jar} exactly as given, in the project's directory. */
    static JavaProcess launch(String name, Path jar, List<String> options, List<String> args, int port, Path log)
            throws IOException {
        return launchIn(Projects.root(), name, jar, options, args, port, log);
    }

    private static JavaProcess launchIn(Path directory, String name, Path jar, List<String> options, List<String> args,
            int port, Path log) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(options);
        command.add("-jar");
        command.add(jar.toAbsolutePath().toString());
        command.addAll(args);
        Files.createDirectories(log.getParent());
        ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(Projects.productionEnvironment());
        long started = System.nanoTime();
        return new JavaProcess(name, builder.start(), started, log, port);
    }

    /** Waits until {@code path} answers 200 (e.g. the readiness probe) and answers the time since the process started. */
    public Duration awaitReady(String path, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        HttpRequest probe = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(2)).GET().build();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + " before it was ready; see " + log);
            }
            try {
                if (HTTP.send(probe, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return Duration.ofNanos(System.nanoTime() - startedNanos);
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException(name + " was not ready within " + timeout + "; see " + log);
    }

    public int port() {
        return port;
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    public long pid() {
        return process.pid();
    }

    public Path log() {
        return log;
    }

    /** The process's resident set size in bytes ({@code VmRSS} of /proc/&lt;pid&gt;/status). */
    public long rssBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        throw new IllegalStateException("No VmRSS for " + name);
    }

    /** CPU time the process has used so far, in milliseconds. */
    public long cpuMillis() {
        return process.info().totalCpuDuration().map(Duration::toMillis).orElse(-1L);
    }

    /** kill -9: the process gets no chance to finish anything. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** A graceful stop (SIGTERM), forced after 30 s. */
    public void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            kill();
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            stop();
        }
    }
}
