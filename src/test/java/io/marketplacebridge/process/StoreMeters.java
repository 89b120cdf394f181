package io.marketplacebridge.process;

import static io.marketplacebridge.Logins.basic;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;

/**
 * The registry's group commits as a running bridge reports them in {@code /actuator/prometheus}
 * ({@code bridge_store_batch_writes}, {@code bridge_store_commits_seconds}): how many transactions the store made, for
 * how many writes, and how long they took. A benchmark reads them before and after a burst ({@link #since}).
 */
public record StoreMeters(double batches, double writes, double commits, double commitSeconds) {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** Reads the meters of the bridge at {@code url} as the operator {@code user}:{@code password}. */
    public static StoreMeters read(String url, String user, String password) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url + "/actuator/prometheus")).timeout(Duration.ofSeconds(10))
                .header("Authorization", basic(user + ":" + password))
                .GET().build();
        HttpResponse<String> answer = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() != 200) {
            throw new IllegalStateException("GET /actuator/prometheus answered " + answer.statusCode());
        }
        String text = answer.body();
        return new StoreMeters(value(text, "bridge_store_batch_writes_count"), value(text, "bridge_store_batch_writes_sum"),
                value(text, "bridge_store_commits_seconds_count"), value(text, "bridge_store_commits_seconds_sum"));
    }

    /** What happened between {@code before} and this reading. */
    public StoreMeters since(StoreMeters before) {
        return new StoreMeters(batches - before.batches, writes - before.writes, commits - before.commits,
                commitSeconds - before.commitSeconds);
    }

    /** E.g. "12,345 writes in 2,345 commits (5.3 per commit, 1.9 ms each; the writer busy 31 % of 150 s)". */
    public String describe(double seconds) {
        return String.format(Locale.ROOT, "%,.0f writes in %,.0f commits (%.1f per commit, %.1f ms each; the writer busy %.0f %% of %.0f s)",
                writes, batches, writes / Math.max(1, batches), 1000 * commitSeconds / Math.max(1, commits),
                100 * commitSeconds / Math.max(1e-9, seconds), seconds);
    }

    private static double value(String prometheus, String name) {
        for (String line : prometheus.split("\n")) {
            if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new IllegalStateException(name + " is not in /actuator/prometheus");
    }
}
