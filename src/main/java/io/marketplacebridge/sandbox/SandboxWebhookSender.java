package io.marketplacebridge.sandbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.annotation.PreDestroy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers the simulated marketplace's webhook notifications to the bridge's {@code /api/webhook} as Microsoft does
 * (docs/marketplace-contract.md §5, §6): a POST with an Entra ID bearer token, retried with back-off while the answer
 * is not 2xx or does not come ({@code bridge.simulator.webhook.*}). The sandbox's notifications keep every attempt
 * for the page; a load ({@link SimulatedLoad}) sends on threads of its own and counts the attempts itself.
 */
class SandboxWebhookSender {

    /** What became of one attempt. */
    enum Outcome {
        /** Answered 2xx: done. */
        DELIVERED,
        /** Not answered 2xx: another attempt follows after the back-off. */
        RETRYING,
        /** Not answered 2xx, and the policy allows no further attempt. */
        GIVEN_UP
    }

    /** Told about every attempt of one notification, on the thread that made it. */
    interface Attempts {

        /**
         * @param attempt 1 for the first call
         * @param startedAt when the call started
         * @param status the HTTP status, 0 when no answer came
         * @param error why no answer came, else null
         */
        void attempted(int attempt, Instant startedAt, int status, String error, Outcome outcome);
    }

    private static final Logger LOG = LoggerFactory.getLogger(SandboxWebhookSender.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SandboxEntraId entraId;
    private final URI webhookUrl;
    private final SimulatorProperties.Webhook policy;
    private final Clock clock = Clock.systemUTC();
    private final HttpClient http;
    /** Waits out the back-offs; the calls themselves run on the caller's executor. */
    private final ScheduledExecutorService backoffs = Executors.newSingleThreadScheduledExecutor(daemon("sandbox-webhook-backoff"));
    /** The sandbox's own notifications, one at a time. */
    private final ExecutorService sandboxCalls = Executors.newSingleThreadExecutor(daemon("sandbox-webhooks"));
    /** The sandbox's delivery attempts by operation id, oldest first. */
    private final Map<String, Map<String, Object>> deliveries = new LinkedHashMap<>();

    SandboxWebhookSender(SandboxEntraId entraId, SimulatorProperties properties) {
        this.entraId = entraId;
        this.webhookUrl = URI.create(properties.bridgeUrl().toString().replaceAll("/+$", "") + "/api/webhook");
        this.policy = properties.webhook();
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(policy.timeout()).build();
    }

    /** Sends a notification of the sandbox in the background with a fresh token per attempt, keeping every attempt. */
    void send(Map<String, Object> notification) {
        Map<String, Object> delivery = new LinkedHashMap<>();
        delivery.put("operationId", notification.get("id"));
        delivery.put("subscriptionId", notification.get("subscriptionId"));
        delivery.put("action", notification.get("action"));
        delivery.put("attempts", new ArrayList<Map<String, Object>>());
        synchronized (deliveries) {
            deliveries.put((String) notification.get("id"), delivery);
        }
        deliver(json(notification), entraId::webhookToken, sandboxCalls, (attempt, startedAt, status, error, outcome) -> {
            Map<String, Object> record = new LinkedHashMap<>();
            record.put("attempt", attempt);
            record.put("at", startedAt.toString());
            record.put("answer", status);
            if (error != null) {
                record.put("error", error);
            }
            synchronized (deliveries) {
                attempts(delivery).add(record);
            }
            switch (outcome) {
                case DELIVERED -> LOG.info("Sandbox webhook {} for operation {} delivered (HTTP {})", notification.get("action"),
                        notification.get("id"), status);
                case RETRYING -> LOG.warn("Sandbox webhook {} for operation {} not accepted (HTTP {}): retrying",
                        notification.get("action"), notification.get("id"), status);
                case GIVEN_UP -> LOG.warn("Sandbox webhook {} for operation {} not accepted after {} attempts: given up",
                        notification.get("action"), notification.get("id"), attempt);
            }
        });
    }

    /**
     * Delivers one notification body: each attempt on {@code calls} with the token {@code token} gives at that
     * moment, retried by the policy, every attempt reported to {@code attempts}.
     */
    void deliver(String body, Supplier<String> token, Executor calls, Attempts attempts) {
        execute(calls, () -> attempt(body, token, calls, attempts, 1, clock.instant()));
    }

    /** The deliveries of one subscription's notifications of the sandbox, each with its attempts and their answers. */
    List<Map<String, Object>> deliveries(String subscriptionId) {
        synchronized (deliveries) {
            return deliveries.values().stream()
                    .filter(delivery -> subscriptionId.equalsIgnoreCase((String) delivery.get("subscriptionId")))
                    .map(SandboxWebhookSender::copy)
                    .toList();
        }
    }

    /** Forgets the sandbox's deliveries. */
    void clear() {
        synchronized (deliveries) {
            deliveries.clear();
        }
    }

    @PreDestroy
    void stop() {
        backoffs.shutdownNow();
        sandboxCalls.shutdownNow();
    }

    private void attempt(String body, Supplier<String> token, Executor calls, Attempts attempts, int attempt, Instant first) {
        Instant startedAt = clock.instant();
        int status = 0;
        String error = null;
        try {
            HttpResponse<Void> answer = http.send(HttpRequest.newBuilder(webhookUrl)
                    .timeout(policy.timeout())
                    .header("Authorization", "Bearer " + token.get())
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body))
                    .build(), HttpResponse.BodyHandlers.discarding());
            status = answer.statusCode();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (Exception e) {
            error = e.getClass().getSimpleName();
        }
        if (status / 100 == 2) {
            attempts.attempted(attempt, startedAt, status, null, Outcome.DELIVERED);
            return;
        }
        Duration backoff = backoff(attempt);
        boolean again = attempt < policy.attempts()
                && Duration.between(first, clock.instant().plus(backoff)).compareTo(policy.giveUpAfter()) <= 0;
        attempts.attempted(attempt, startedAt, status, error, again ? Outcome.RETRYING : Outcome.GIVEN_UP);
        if (again) {
            try {
                backoffs.schedule(() -> execute(calls, () -> attempt(body, token, calls, attempts, attempt + 1, first)),
                        backoff.toMillis(), TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException stopped) {
                // The simulator is stopping: the notification is not sent again.
            }
        }
    }

    /** The wait after the {@code attempt}-th failed call. */
    private Duration backoff(int attempt) {
        double millis = policy.firstBackoff().toMillis() * Math.pow(policy.multiplier(), attempt - 1);
        return millis >= policy.maxBackoff().toMillis() ? policy.maxBackoff() : Duration.ofMillis((long) millis);
    }

    private static void execute(Executor calls, Runnable call) {
        try {
            calls.execute(call);
        } catch (RejectedExecutionException stopped) {
            // A load that was reset, or the simulator stopping: the notification is not sent (again).
        }
    }

    static String json(Map<String, Object> notification) {
        try {
            return JSON.writeValueAsString(notification);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("A sandbox notification could not be written as JSON", e);
        }
    }

    static java.util.concurrent.ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
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
