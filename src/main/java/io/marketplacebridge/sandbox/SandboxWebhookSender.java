package io.marketplacebridge.sandbox;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.annotation.PreDestroy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.env.Environment;

/**
 * Delivers the sandbox marketplace's webhook notifications to the bridge's {@code /api/webhook} as Microsoft does
 * (docs/marketplace-contract.md §5, §6): a POST with a fresh Entra ID bearer token, retried with back-off while the
 * answer is not 2xx (Microsoft retries for hours; the sandbox a few times). Every attempt is kept for the page.
 */
class SandboxWebhookSender {

    static final int ATTEMPTS = 5;
    static final Duration FIRST_RETRY = Duration.ofSeconds(1);

    private static final Logger LOG = LoggerFactory.getLogger(SandboxWebhookSender.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final SandboxEntraId entraId;
    private final Environment environment;
    private final Clock clock = Clock.systemUTC();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "sandbox-webhooks");
        thread.setDaemon(true);
        return thread;
    });
    /** Delivery attempts by operation id, oldest first. */
    private final Map<String, Map<String, Object>> deliveries = new LinkedHashMap<>();

    SandboxWebhookSender(SandboxEntraId entraId, Environment environment) {
        this.entraId = entraId;
        this.environment = environment;
    }

    /** Sends the notification in the background, retrying a failed delivery. */
    void send(Map<String, Object> notification) {
        Map<String, Object> delivery = new LinkedHashMap<>();
        delivery.put("operationId", notification.get("id"));
        delivery.put("subscriptionId", notification.get("subscriptionId"));
        delivery.put("action", notification.get("action"));
        delivery.put("attempts", new ArrayList<Map<String, Object>>());
        synchronized (deliveries) {
            deliveries.put((String) notification.get("id"), delivery);
        }
        scheduler.execute(() -> attempt(notification, delivery, 1));
    }

    /** The deliveries of one subscription's notifications, each with its attempts and their answers. */
    List<Map<String, Object>> deliveries(String subscriptionId) {
        synchronized (deliveries) {
            return deliveries.values().stream()
                    .filter(delivery -> subscriptionId.equalsIgnoreCase((String) delivery.get("subscriptionId")))
                    .map(SandboxWebhookSender::copy)
                    .toList();
        }
    }

    @PreDestroy
    void stop() {
        scheduler.shutdownNow();
    }

    private void attempt(Map<String, Object> notification, Map<String, Object> delivery, int attempt) {
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("attempt", attempt);
        record.put("at", clock.instant().toString());
        boolean delivered = false;
        try {
            HttpResponse<String> answer = http.send(HttpRequest.newBuilder(webhookUrl())
                    .timeout(TIMEOUT)
                    .header("Authorization", "Bearer " + entraId.webhookToken())
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(notification)))
                    .build(), HttpResponse.BodyHandlers.ofString());
            record.put("answer", answer.statusCode());
            delivered = answer.statusCode() / 100 == 2;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (Exception e) {
            record.put("answer", 0);
            record.put("error", e.getClass().getSimpleName());
        }
        synchronized (deliveries) {
            attempts(delivery).add(record);
        }
        if (delivered) {
            LOG.info("Sandbox webhook {} for operation {} delivered (HTTP {})", notification.get("action"), notification.get("id"),
                    record.get("answer"));
        } else if (attempt < ATTEMPTS) {
            long delay = FIRST_RETRY.toMillis() << (attempt - 1);
            LOG.warn("Sandbox webhook {} for operation {} not accepted (HTTP {}): retrying in {} ms", notification.get("action"),
                    notification.get("id"), record.get("answer"), delay);
            scheduler.schedule(() -> attempt(notification, delivery, attempt + 1), delay, TimeUnit.MILLISECONDS);
        } else {
            LOG.warn("Sandbox webhook {} for operation {} not accepted after {} attempts: given up", notification.get("action"),
                    notification.get("id"), attempt);
        }
    }

    private URI webhookUrl() {
        return URI.create("http://localhost:" + environment.getProperty("local.server.port",
                environment.getProperty("server.port", "8080")) + "/api/webhook");
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> attempts(Map<String, Object> delivery) {
        return (List<Map<String, Object>>) delivery.get("attempts");
    }

    private static Map<String, Object> copy(Map<String, Object> delivery) {
        Map<String, Object> copy = new LinkedHashMap<>(delivery);
        copy.put("attempts", attempts(delivery).stream().map(LinkedHashMap::new).toList());
        return copy;
    }
}
