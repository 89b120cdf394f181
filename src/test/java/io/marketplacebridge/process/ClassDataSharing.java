package io.marketplacebridge.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Class-data sharing for the packaged bridge the fault tests start (Spring Boot's CDS support): the jar extracted
 * once with {@code java -Djarmode=tools -jar … extract}, one training start of the sandbox that writes the archive of
 * the classes it loaded when it exits ({@code -XX:ArchiveClassesAtExit}), and every later start of the bridge or the
 * simulator with {@code -XX:SharedArchiveFile}. A start then loads its classes from the archive instead of the nested
 * jar, which is most of its start-up on two cores. The same application, the same configuration: only how its
 * classes are loaded differs. On with {@code -Dit.cds=true} (failsafe's fault tests); the benchmark starts the jar as
 * it is, like its baseline. When anything here fails, the jar is started as it is.
 */
final class ClassDataSharing {

    private static final Path DIRECTORY = Projects.root().resolve("target/cds");
    private static final Path ARCHIVE = DIRECTORY.resolve("bridge.jsa");
    private static Launch launch;

    /** What to start: a jar and the JVM options that come before {@code -jar}. */
    record Launch(Path jar, List<String> options) {
    }

    private ClassDataSharing() {
    }

    /** How to start {@code jar}: with the archive when it is the bridge's jar and sharing is on, else as it is. */
    static synchronized Launch of(Path jar) throws IOException {
        if (!Boolean.getBoolean("it.cds") || !jar.equals(Projects.bridgeJar())) {
            return new Launch(jar, List.of());
        }
        if (launch == null) {
            launch = prepare(jar);
        }
        return launch;
    }

    private static Launch prepare(Path jar) {
        Path extracted = DIRECTORY.resolve(jar.getFileName());
        try {
            if (!Files.exists(ARCHIVE) || Files.getLastModifiedTime(ARCHIVE).compareTo(Files.getLastModifiedTime(jar)) < 0) {
                extract(jar);
                train(extracted);
            }
            if (Files.exists(ARCHIVE)) {
                return new Launch(extracted, List.of("-XX:SharedArchiveFile=" + ARCHIVE));
            }
            System.err.println("[cds] no archive written (see " + DIRECTORY.resolve("training.log") + "): the jar starts as it is");
        } catch (IOException | RuntimeException e) {
            System.err.println("[cds] " + e + ": the jar starts as it is");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return new Launch(jar, List.of());
    }

    private static void extract(Path jar) throws IOException, InterruptedException {
        Files.createDirectories(DIRECTORY);
        Files.deleteIfExists(ARCHIVE);
        Process extract = new ProcessBuilder(java(), "-Djarmode=tools", "-jar", jar.toString(), "extract", "--force",
                "--destination", DIRECTORY.toString())
                .redirectErrorStream(true).redirectOutput(DIRECTORY.resolve("extract.log").toFile()).start();
        if (!extract.waitFor(2, TimeUnit.MINUTES) || extract.exitValue() != 0) {
            throw new IOException("extracting " + jar + " failed; see " + DIRECTORY.resolve("extract.log"));
        }
    }

    /** The sandbox started once on a fresh data directory, ready, and stopped: the JVM writes the archive as it exits. */
    private static void train(Path extracted) throws IOException, InterruptedException {
        int port = Projects.freePort();
        List<String> options = new ArrayList<>(Projects.productionJvmOptions());
        options.addAll(Projects.testJvmOptions());
        options.add("-XX:ArchiveClassesAtExit=" + ARCHIVE);
        List<String> arguments = List.of("--spring.profiles.active=sandbox", "--server.port=" + port,
                "--bridge.broker.data-dir=" + DIRECTORY.resolve("training-data"));
        JavaProcess training = JavaProcess.launch("cds-training", extracted, options, arguments, port,
                DIRECTORY.resolve("training.log"));
        try {
            training.awaitReady("/actuator/health/readiness", Duration.ofMinutes(3));
        } finally {
            training.stop();
        }
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
