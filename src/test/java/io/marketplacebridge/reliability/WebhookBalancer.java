package io.marketplacebridge.reliability;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The load balancer in front of the bridges for {@link BrokerFailoverIT}: takes the simulator's webhook calls on one
 * port and passes each to the next bridge in turn (round robin, no health check, so that every bridge's answers
 * while no broker is reachable reach the caller), and keeps every answer: when it came, from which bridge, its
 * status and the notification's operation id. A bridge that does not answer is a {@code 502}, as a load balancer
 * answers. The simulator sends a subscription's next notification only after a {@code 2xx} for the one before, so
 * spreading calls over the bridges keeps each subscription's order.
 */
final class WebhookBalancer implements AutoCloseable {

    /** One answer the caller got. */
    record Answer(long atNanos, int bridge, int status, String operationId) {
    }

    private final HttpServer server;
    private final ExecutorService threads = Executors.newFixedThreadPool(64);
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private final List<String> bridges;
    private final AtomicLong calls = new AtomicLong();
    private final List<Answer> answers = new ArrayList<>();

    private WebhookBalancer(HttpServer server, List<String> bridges) {
        this.server = server;
        this.bridges = bridges;
    }

    /** Listens on 127.0.0.1:{@code port} and passes {@code POST /api/webhook} to the {@code bridges}' base URLs. */
    static WebhookBalancer start(int port, List<String> bridges) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
        WebhookBalancer balancer = new WebhookBalancer(server, List.copyOf(bridges));
        server.createContext("/api/webhook", balancer::pass);
        server.setExecutor(balancer.threads);
        server.start();
        return balancer;
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private void pass(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            int bridge = (int) (calls.getAndIncrement() % bridges.size());
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(bridges.get(bridge) + "/api/webhook"))
                    .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofByteArray(body));
            for (String header : List.of("Authorization", "Content-Type")) {
                String value = exchange.getRequestHeaders().getFirst(header);
                if (value != null) {
                    request.header(header, value);
                }
            }
            int status;
            byte[] answer;
            try {
                HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
                status = response.statusCode();
                answer = response.body();
                response.headers().firstValue("Content-Type").ifPresent(type -> exchange.getResponseHeaders().set("Content-Type", type));
                response.headers().firstValue("Retry-After").ifPresent(after -> exchange.getResponseHeaders().set("Retry-After", after));
            } catch (IOException noAnswer) {
                status = 502;
                answer = new byte[0];
            } catch (InterruptedException stopping) {
                Thread.currentThread().interrupt();
                return;
            }
            synchronized (answers) {
                answers.add(new Answer(System.nanoTime(), bridge, status, operationId(body)));
            }
            exchange.sendResponseHeaders(status, answer.length == 0 ? -1 : answer.length);
            if (answer.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(answer);
                }
            }
        }
    }

    /** Every answer so far, oldest first. */
    List<Answer> answers() {
        synchronized (answers) {
            return List.copyOf(answers);
        }
    }

    /** How many answers of each status came after {@code fromNanos} and before {@code toNanos}. */
    Map<Integer, Integer> statuses(long fromNanos, long toNanos) {
        Map<Integer, Integer> statuses = new TreeMap<>();
        for (Answer answer : answers()) {
            if (answer.atNanos() >= fromNanos && answer.atNanos() < toNanos) {
                statuses.merge(answer.status(), 1, Integer::sum);
            }
        }
        return statuses;
    }

    private static String operationId(byte[] body) {
        try {
            return Reliability.JSON.readTree(body).path("id").asText(null);
        } catch (IOException notJson) {
            return null;
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
