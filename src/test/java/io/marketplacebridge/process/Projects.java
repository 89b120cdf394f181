package io.marketplacebridge.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Where things are when a test runs the packaged application: the project directory, the jar, free ports. */
public final class Projects {

    private Projects() {
    }

    /** The project's directory (Maven runs tests in it). */
    public static Path root() {
        return Path.of("").toAbsolutePath();
    }

    /** The bridge's executable jar, built by {@code package} before failsafe runs. */
    public static Path bridgeJar() throws IOException {
        try (Stream<Path> jars = Files.list(root().resolve("target"))) {
            return jars.filter(path -> path.getFileName().toString().matches("marketplace-bridge-.*\\.jar"))
                    .filter(path -> !path.getFileName().toString().endsWith("-plain.jar"))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("No target/marketplace-bridge-*.jar: run ./mvnw package first"));
        }
    }

    /** The production JVM options (config/jvm.options), as the image and the README use them. */
    public static List<String> productionJvmOptions() {
        return List.of("@" + root().resolve("config/jvm.options"));
    }

    /**
     * The environment the image gives the bridge (Dockerfile {@code ENV}, Jib's {@code environment}):
     * {@code MALLOC_ARENA_MAX=2}. Every process a test starts with {@link JavaProcess} gets it.
     */
    public static Map<String, String> productionEnvironment() {
        return Map.of("MALLOC_ARENA_MAX", "2");
    }

    /**
     * JVM options a test adds after the production ones to every process it starts ({@code -Dit.jvm-options}, set by
     * failsafe: C1 alone for the fault tests' short-lived processes; empty in the benchmark). They change how fast
     * code is compiled, never what the bridge does.
     */
    public static List<String> testJvmOptions() {
        String options = System.getProperty("it.jvm-options", "").trim();
        return options.isEmpty() ? List.of() : List.of(options.split("\\s+"));
    }

    /** A port nobody listens on now. */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
