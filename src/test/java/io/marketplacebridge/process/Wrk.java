package io.marketplacebridge.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Debian's {@code wrk} sending prepared notifications ({@code src/test/resources/bench/notifications.lua}): each line
 * once, and every answer recorded with its time, so the harness measures rates and latencies from the answers.
 */
public final class Wrk {

    /** One answer: the operation it was for, its HTTP status, the epoch millisecond it arrived. */
    public record Answer(String operationId, int status, double atMillis) {
    }

    /** A run's answers, and when its first request went out. */
    public record Run(List<Answer> answers, double startedAtMillis, double lastAnswerAtMillis) {

        public long count(int status) {
            return answers.stream().filter(answer -> answer.status() == status).count();
        }

        /** Answers with {@code status} per second, from the first request to the last answer. */
        public double perSecond(int status) {
            return count(status) / ((lastAnswerAtMillis - startedAtMillis) / 1000.0);
        }

        public Map<String, Double> answeredAt(int status) {
            Map<String, Double> at = new HashMap<>();
            answers.stream().filter(answer -> answer.status() == status).forEach(answer -> at.put(answer.operationId(), answer.atMillis()));
            return at;
        }
    }

    private Wrk() {
    }

    /** Checks that wrk is installed (apt-get install wrk). */
    public static void requireInstalled() {
        if (!Files.isExecutable(Path.of("/usr/bin/wrk"))) {
            throw new IllegalStateException("The benchmark needs Debian's wrk: apt-get install -y wrk");
        }
    }

    /**
     * POSTs every line of {@code prepared} to {@code url} with {@code threads} threads and {@code connections}
     * connections, each connection pausing {@code pauseMillis} between its requests (0: as fast as answers come).
     */
    public static Run send(String url, Path prepared, int threads, int connections, int pauseMillis, Path work)
            throws IOException, InterruptedException {
        requireInstalled();
        Files.createDirectories(work);
        String prefix = work.resolve("answers").toString();
        try (Stream<Path> old = Files.list(work)) {
            for (Path file : old.filter(path -> path.getFileName().toString().startsWith("answers-")).toList()) {
                Files.delete(file);
            }
        }
        Path script = Projects.root().resolve("src/test/resources/bench/notifications.lua");
        List<String> command = List.of("/usr/bin/wrk", "--latency", "-t" + threads, "-c" + connections, "-d600s", "--timeout", "30s",
                "-s", script.toString(), url, "--", prepared.toString(), String.valueOf(threads), prefix,
                String.valueOf(pauseMillis));
        Process wrk = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(work.resolve("wrk.out").toFile()).start();
        if (!wrk.waitFor(620, TimeUnit.SECONDS)) {
            wrk.destroyForcibly();
            throw new IllegalStateException("wrk did not finish within 620 s; see " + work.resolve("wrk.out"));
        }
        List<Answer> answers = new ArrayList<>();
        double started = Double.MAX_VALUE;
        double last = 0;
        for (int thread = 0; thread < threads; thread++) {
            Path file = Path.of(prefix + "-" + thread + ".tsv");
            if (!Files.exists(file)) {
                throw new IllegalStateException("wrk wrote no " + file + "; see " + work.resolve("wrk.out"));
            }
            for (String line : Files.readAllLines(file)) {
                String[] fields = line.split("\t");
                double at = Double.parseDouble(fields[2]);
                if ("start".equals(fields[0])) {
                    started = Math.min(started, at);
                } else {
                    answers.add(new Answer(fields[0], Integer.parseInt(fields[1]), at));
                    last = Math.max(last, at);
                }
            }
        }
        return new Run(answers, started, last);
    }
}
