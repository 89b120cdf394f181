package io.marketplacebridge.process;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
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
    public record Run(List<Answer> answers, double startedAtMillis, double lastAnswerAtMillis, int resent) {

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

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private Wrk() {
    }

    private static boolean allDone(String prefix, int threads) throws IOException {
        for (int thread = 0; thread < threads; thread++) {
            Path file = Path.of(prefix + "-" + thread + ".tsv");
            if (!Files.exists(file)) {
                return false;
            }
            List<String> lines = Files.readAllLines(file);
            if (lines.isEmpty() || !lines.get(lines.size() - 1).startsWith("done\t")) {
                return false;
            }
        }
        return true;
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
        // Every thread writes "done" when its lines are answered; wrk runs on for its -d, so it is stopped then with
        // SIGINT, on which it prints its statistics.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(600);
        while (wrk.isAlive() && !allDone(prefix, threads)) {
            if (System.nanoTime() > deadline) {
                wrk.destroyForcibly();
                throw new IllegalStateException("wrk did not finish within 600 s; see " + work.resolve("wrk.out"));
            }
            Thread.sleep(200);
        }
        if (wrk.isAlive()) {
            new ProcessBuilder("kill", "-INT", String.valueOf(wrk.pid())).start().waitFor();
            if (!wrk.waitFor(15, TimeUnit.SECONDS)) {
                wrk.destroyForcibly();
            }
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
                if (fields.length < 3 || "done".equals(fields[0])) {
                    continue;
                }
                double at = Double.parseDouble(fields[2]);
                if ("start".equals(fields[0])) {
                    started = Math.min(started, at);
                } else {
                    answers.add(new Answer(fields[0], Integer.parseInt(fields[1]), at));
                    last = Math.max(last, at);
                }
            }
        }
        // wrk drops a request now and then (no answer, no error): those are sent again, as Microsoft retries them.
        Set<String> answered = new HashSet<>();
        answers.stream().filter(answer -> answer.status() / 100 == 2).forEach(answer -> answered.add(answer.operationId()));
        int resent = 0;
        for (String line : Files.readAllLines(prepared)) {
            String[] fields = line.split("\t", 3);
            if (!answered.contains(fields[0]) && url.endsWith("/api/webhook")) {
                HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                        .header("Authorization", "Bearer " + fields[1]).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(fields[2])).build(), HttpResponse.BodyHandlers.ofString());
                double at = System.currentTimeMillis();
                answers.add(new Answer(fields[0], answer.statusCode(), at));
                last = Math.max(last, at);
                resent++;
            }
        }
        return new Run(answers, started, last, resent);
    }
}
