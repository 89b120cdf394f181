package io.marketplacebridge.marketplace;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.marketplacebridge.failure.Failure;
import io.marketplacebridge.failure.RetryAfter;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.stream.Collectors;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.apache.camel.Header;
import org.apache.camel.Variable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Fulfillment API v2 client (docs/marketplace-contract.md §1-§3): one method per call the flows make, each a
 * single step in a route ({@code - bean: {id: landing-resolve, ref: fulfillmentApi, method: resolve}}).
 *
 * <p>Every request carries the Entra ID token, a fresh {@code x-ms-requestid}, the flow's {@code x-ms-correlationid}
 * and {@code api-version}, and has a time-out that fits its caller. A 401 or 403 fetches one fresh token and repeats
 * the request once. Any other failure is a {@link Failure}: transient (429, 408, 5xx, no answer, a login still
 * refused) or permanent (another 4xx). Whether a transient failure is tried again here depends on the instance
 * ({@link RetryPolicy}): queue consumers use one without retries, because the broker redelivers them (one retry
 * layer per failure kind, docs/architecture.md "Failures and retries"); the landing page and the tenant-ready
 * callback, which have no broker behind them, retry safe calls within a short budget.
 */
public class FulfillmentApi {

    /** The system name in failures and logs. */
    public static final String SYSTEM = "Fulfillment API";

    private static final Logger LOG = LoggerFactory.getLogger(FulfillmentApi.class);
    private static final int MAX_ERROR_CHARS = 500;
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() { };

    /**
     * How one instance treats transient failures of safe calls.
     *
     * @param name how the logs call this instance
     * @param maxRetries retries after the first attempt (0: none, the broker redelivers)
     * @param backoff the first wait without {@code Retry-After}; doubles per retry
     * @param budget the longest time all attempts and waits of one call may take
     */
    public record RetryPolicy(String name, int maxRetries, Duration backoff, Duration budget) {

        /** No retries here: the caller is a queue consumer and the broker redelivers. */
        public static RetryPolicy none() {
            return new RetryPolicy("queue", 0, Duration.ZERO, Duration.ZERO);
        }
    }

    private final MarketplaceProperties properties;
    private final MarketplaceTokenProvider tokens;
    private final ObjectMapper json;
    private final RetryPolicy retries;
    private final HttpClient http;
    private final Clock clock;
    private final MeterRegistry meters;
    /** Requests (method and path) whose Retry-After has not passed: when they may be sent again. */
    private final ConcurrentMap<String, Instant> throttledUntil = new ConcurrentHashMap<>();
    private static final int MAX_THROTTLED = 10_000;

    public FulfillmentApi(MarketplaceProperties properties, MarketplaceTokenProvider tokens, ObjectMapper json,
            RetryPolicy retries, Clock clock, MeterRegistry meters) {
        this.meters = meters;
        this.properties = properties;
        this.tokens = tokens;
        this.json = json;
        this.retries = retries;
        this.clock = clock;
        // HTTP/1.1: Microsoft's API and the stand-ins speak it; no automatic redirects or retries of our own.
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(properties.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /** Resolve (§3.1): the subscription a decoded landing-page token names. The token goes only into its header. */
    public Map<String, Object> resolve(@Variable("marketplaceToken") String token,
            @Header("bridgeCorrelationId") String correlationId) {
        return read(call(new Call("resolve", "POST", "/saas/subscriptions/resolve", "", true,
                properties.requestTimeout()).withToken(token), correlationId));
    }

    /** Get Subscription (§3.4). */
    public Map<String, Object> getSubscription(@Header("bridgeSubscriptionId") String subscriptionId,
            @Header("bridgeCorrelationId") String correlationId) {
        return read(call(new Call("get-subscription", "GET", "/saas/subscriptions/" + guid(subscriptionId), null, true,
                properties.requestTimeout()), correlationId));
    }

    /** List Available Plans (§3.5): the plans this subscription may change to, {@code {"plans": [...]}}. */
    public Map<String, Object> listAvailablePlans(@Header("bridgeSubscriptionId") String subscriptionId,
            @Header("bridgeCorrelationId") String correlationId) {
        return read(call(new Call("list-available-plans", "GET", "/saas/subscriptions/" + guid(subscriptionId)
                + "/listAvailablePlans", null, true, properties.requestTimeout()), correlationId));
    }

    /**
     * Activate (§3.2) with the purchased plan and, for per-seat plans, quantity. Not repeated here: activate is not
     * idempotent, so the activation flow re-reads the subscription before another attempt. Any body of the answer
     * is ignored.
     */
    public void activate(@Header("bridgeSubscriptionId") String subscriptionId, @Variable("activation") Map<String, Object> body,
            @Header("bridgeCorrelationId") String correlationId) {
        call(new Call("activate", "POST", "/saas/subscriptions/" + guid(subscriptionId) + "/activate", write(body), false,
                properties.requestTimeout()), correlationId);
    }

    /** Get Operation (§3.10); its time-out leaves room for the decision and the PATCH in the 10-second window. */
    public Map<String, Object> getOperation(@Header("bridgeSubscriptionId") String subscriptionId,
            @Header("bridgeOperationId") String operationId, @Header("bridgeCorrelationId") String correlationId) {
        return read(call(new Call("get-operation", "GET", operationPath(subscriptionId, operationId), null, true,
                properties.acknowledgementTimeout()), correlationId));
    }

    /**
     * Update Operation (§3.11) with {@code Success} or {@code Failure}. Answers {@code Updated}, or {@code Superseded}
     * when Microsoft says 409: a newer update already settled the operation, which is final. Any body of a 200 is
     * ignored.
     */
    public String updateOperation(@Header("bridgeSubscriptionId") String subscriptionId,
            @Header("bridgeOperationId") String operationId, @Variable("decision") String decision,
            @Header("bridgeCorrelationId") String correlationId) {
        if (!"Success".equals(decision) && !"Failure".equals(decision)) {
            throw new IllegalArgumentException("An operation is updated with Success or Failure, not " + decision);
        }
        Call update = new Call("update-operation", "PATCH", operationPath(subscriptionId, operationId),
                write(Map.of("status", decision)), false, properties.acknowledgementTimeout());
        try {
            call(update, correlationId);
            return "Updated";
        } catch (Failure failure) {
            if (failure.getStatus() == 409) {
                return "Superseded";
            }
            throw failure;
        }
    }

    /**
     * Change Plan (§3.6), Change Quantity (§3.7) or Cancel (§3.8) of a publisher operation: answers
     * {@code {"operationLocation", "microsoftOperationId"}} from Microsoft's {@code 202}, or {@code {"refused"}} with
     * Microsoft's reason when it refused the request (a permanent failure: the flow settles the operation with it).
     * Not repeated here: the operation flow records Microsoft's operation before anything else, so a redelivery
     * never sends it twice; a transient failure is thrown and the broker redelivers.
     *
     * @param command {@code action} ({@code ChangePlan}, {@code ChangeQuantity} or {@code Unsubscribe}) and the
     *        requested {@code planId} or {@code quantity}
     */
    public Map<String, Object> startOperation(@Header("bridgeSubscriptionId") String subscriptionId,
            @Variable("command") Map<String, Object> command, @Header("bridgeCorrelationId") String correlationId) {
        String path = "/saas/subscriptions/" + guid(subscriptionId);
        String action = String.valueOf(command.get("action"));
        Call call = switch (action) {
            case "ChangePlan" -> new Call("change-plan", "PATCH", path, write(Map.of("planId", command.get("planId"))),
                    false, properties.requestTimeout());
            case "ChangeQuantity" -> new Call("change-quantity", "PATCH", path,
                    write(Map.of("quantity", command.get("quantity"))), false, properties.requestTimeout());
            case "Unsubscribe" -> new Call("cancel", "DELETE", path, null, false, properties.requestTimeout());
            default -> throw Failure.permanent(SYSTEM, "operation", "no publisher operation " + action);
        };
        HttpResponse<String> response;
        try {
            response = call(call, correlationId);
        } catch (Failure failure) {
            if (!failure.isPermanent()) {
                throw failure;
            }
            return new LinkedHashMap<>(Map.of("refused", failure.getMessage()));
        }
        String location = response.headers().firstValue("Operation-Location").orElse(null);
        if (location == null || location.isBlank()) {
            throw Failure.permanent(SYSTEM, call.name(), "answered " + response.statusCode() + " without Operation-Location");
        }
        Map<String, Object> started = new LinkedHashMap<>();
        started.put("operationLocation", location);
        started.put("microsoftOperationId", operationIdOf(location));
        return started;
    }

    /**
     * What Microsoft's {@code 202} would have answered for operation {@code operationId}, which it is making already
     * (an earlier request's answer was lost): {@code {"operationLocation", "microsoftOperationId"}}, polled like any.
     */
    public Map<String, Object> startedAs(@Header("bridgeSubscriptionId") String subscriptionId,
            @Variable("pending") String operationId) {
        Map<String, Object> started = new LinkedHashMap<>();
        started.put("operationLocation", apiBase()
                + operationPath(subscriptionId, operationId) + "?api-version="
                + URLEncoder.encode(properties.apiVersion(), StandardCharsets.UTF_8));
        started.put("microsoftOperationId", guid(operationId));
        return started;
    }

    /**
     * The operation at an {@code Operation-Location} (§3.6): an absolute URL that already carries api-version. Only
     * a URL of the configured API is followed, so a forged location cannot send the token elsewhere.
     */
    public Map<String, Object> getOperationAt(@Variable("operationLocation") String location,
            @Header("bridgeCorrelationId") String correlationId) {
        String relative = pathOf(location, "get-operation", "Operation-Location");
        int query = relative.indexOf('?');
        return read(call(new Call("get-operation", "GET", query < 0 ? relative : relative.substring(0, query), null, true,
                properties.requestTimeout()), correlationId));
    }

    /** The operation id at the end of an Operation-Location path ({@code …/operations/{id}?api-version=…}). */
    static String operationIdOf(String location) {
        String path = location.contains("?") ? location.substring(0, location.indexOf('?')) : location;
        String last = path.substring(path.lastIndexOf('/') + 1);
        return last.matches("[0-9a-fA-F-]{36}") ? last.toLowerCase() : null;
    }

    /**
     * Batch usage event (docs/marketplace-contract.md §7.1, §7.3): at most 25 usage events, at the metering API, which
     * shares the base URL, version and token of the Fulfillment API. Microsoft answers {@code 200 {count, result[]}}
     * and settles each item in its own {@code status}, which the metering flow reads one by one. A batch that got no
     * answer is not repeated here: the hours stay submitted and the next report run sends them again, when Microsoft
     * answers {@code Duplicate} for those it already has. Any failure is answered, not thrown:
     * {@code {"unanswered": reason, "permanent": true|false}}.
     *
     * @param batch {@code request}: the usage events {@code {resourceId, quantity, dimension, effectiveStartTime, planId}}
     */
    public Map<String, Object> batchUsageEvent(@Variable("batch") Map<String, Object> batch,
            @Header("bridgeCorrelationId") String correlationId) {
        Object request = batch.get("request");
        if (!(request instanceof java.util.List<?> events) || events.isEmpty() || events.size() > 25) {
            throw new IllegalArgumentException("A usage batch holds 1 to 25 events");
        }
        // Safe to repeat: Microsoft takes one event per subscription, dimension and hour and answers Duplicate after.
        Call call = new Call("batch-usage-event", "POST", "/batchUsageEvent", write(Map.of("request", events)), true,
                properties.requestTimeout());
        try {
            return read(call(call, correlationId));
        } catch (Failure failure) {
            Map<String, Object> unanswered = new LinkedHashMap<>();
            unanswered.put("unanswered", failure.getMessage());
            unanswered.put("permanent", failure.isPermanent());
            return unanswered;
        }
    }

    /**
     * List Subscriptions (§3.3), one page: {@code {"subscriptions": [...], "nextLink": "…"}}, without {@code nextLink}
     * on the last page (Microsoft's {@code @nextLink} missing or empty) and with no subscriptions for an empty body.
     * The first page when {@code nextLink} is empty; otherwise the page {@code @nextLink} named, which is followed only
     * when it is an address of the configured API, so a forged link cannot send the token elsewhere.
     */
    public Map<String, Object> listSubscriptions(@Variable("nextLink") String nextLink,
            @Header("bridgeCorrelationId") String correlationId) {
        String path = nextLink == null || nextLink.isBlank() ? "/saas/subscriptions"
                : withoutApiVersion(pathOf(nextLink, "list-subscriptions", "@nextLink"));
        Map<String, Object> answer = read(call(new Call("list-subscriptions", "GET", path, null, true,
                properties.requestTimeout()), correlationId));
        Map<String, Object> page = new LinkedHashMap<>();
        page.put("subscriptions", answer.get("subscriptions") instanceof List<?> list ? list : List.of());
        if (answer.get("@nextLink") instanceof String next && !next.isBlank()) {
            page.put("nextLink", next);
        }
        return page;
    }

    /**
     * List Outstanding Operations (§3.9): the subscription's operations that wait for the publisher,
     * {@code {"operations": [...]}}; none for an empty body.
     */
    public Map<String, Object> listOperations(@Header("bridgeSubscriptionId") String subscriptionId,
            @Header("bridgeCorrelationId") String correlationId) {
        Map<String, Object> answer = read(call(new Call("list-operations", "GET", "/saas/subscriptions/"
                + guid(subscriptionId) + "/operations", null, true, properties.requestTimeout()), correlationId));
        return new LinkedHashMap<>(Map.of("operations", answer.get("operations") instanceof List<?> list ? list : List.of()));
    }

    /**
     * Get Operation (§3.10) where Microsoft may not know the operation: its answer, or an empty map for a 404 (a
     * {@code Subscribe} notification names an operation Get Operation need not know; the caller checks the
     * subscription instead).
     */
    public Map<String, Object> findOperation(@Header("bridgeSubscriptionId") String subscriptionId,
            @Header("bridgeOperationId") String operationId, @Header("bridgeCorrelationId") String correlationId) {
        try {
            return getOperation(subscriptionId, operationId, correlationId);
        } catch (Failure failure) {
            if (failure.getStatus() == 404) {
                return new LinkedHashMap<>();
            }
            throw failure;
        }
    }

    /** The configured API URL without a trailing slash: request paths ({@code /saas/…}) follow it. */
    private String apiBase() {
        return properties.apiUrl().toString().replaceAll("/+$", "");
    }

    /** The path and query of an absolute URL Microsoft gave (a link, a location), if it is an address of the API. */
    private String pathOf(String url, String call, String what) {
        String base = apiBase();
        if (url == null || !url.startsWith(base + "/")) {
            throw Failure.permanent(SYSTEM, call, "the " + what + " is not an address of " + base);
        }
        return url.substring(base.length());
    }

    /** A path and query without its {@code api-version}: every call adds its own. */
    private static String withoutApiVersion(String pathAndQuery) {
        int query = pathAndQuery.indexOf('?');
        if (query < 0) {
            return pathAndQuery;
        }
        String kept = Arrays.stream(pathAndQuery.substring(query + 1).split("&"))
                .filter(parameter -> !parameter.isEmpty() && !parameter.startsWith("api-version="))
                .collect(Collectors.joining("&"));
        return pathAndQuery.substring(0, query) + (kept.isEmpty() ? "" : "?" + kept);
    }

    private static String operationPath(String subscriptionId, String operationId) {
        return "/saas/subscriptions/" + guid(subscriptionId) + "/operations/" + guid(operationId);
    }

    /** One call: the request, and what may be repeated. */
    private record Call(String name, String method, String path, String body, boolean safe, Duration timeout,
            String marketplaceToken) {

        Call(String name, String method, String path, String body, boolean safe, Duration timeout) {
            this(name, method, path, body, safe, timeout, null);
        }

        Call withToken(String token) {
            return new Call(name, method, path, body, safe, timeout, token);
        }
    }

    private HttpResponse<String> call(Call call, String correlationId) {
        String correlation = correlationId == null || correlationId.isBlank() ? UUID.randomUUID().toString() : correlationId;
        Instant deadline = clock.instant().plus(retries.budget());
        boolean refreshed = false;
        boolean refreshNow = false;
        int retry = 0;
        while (true) {
            Failure throttled = stillThrottled(call);
            if (throttled != null) {
                if (!retryable(call, throttled, retry, deadline)) {
                    throw throttled;
                }
                pause(call, throttled, retry++);
                continue;
            }
            HttpResponse<String> response;
            try {
                response = send(call, correlation, refreshNow);
                refreshNow = false;
            } catch (IOException e) {
                refreshNow = false;
                Failure failure = Failure.ofHttpStatus(SYSTEM, call.name(), 0, null, e.getClass().getSimpleName()
                        + (e.getMessage() == null ? "" : ": " + e.getMessage()));
                if (!retryable(call, failure, retry, deadline)) {
                    throw failure;
                }
                pause(call, failure, retry++);
                continue;
            }
            int status = response.statusCode();
            if (status >= 200 && status < 300) {
                throttledUntil.remove(throttleKey(call));
                return response;
            }
            // The token may be stale (revoked, rotated secret): one fresh token, once per call.
            if ((status == 401 || status == 403) && !refreshed) {
                LOG.info("{} {} answered {}: fetching a fresh token and trying once more", SYSTEM, call.name(), status);
                refreshed = true;
                refreshNow = true;
                continue;
            }
            Failure failure = Failure.ofHttpStatus(SYSTEM, call.name(), status,
                    RetryAfter.parse(response.headers().firstValue("Retry-After").orElse(null)), detail(response.body()));
            rememberRetryAfter(call, failure);
            if (!retryable(call, failure, retry, deadline)) {
                throw failure;
            }
            pause(call, failure, retry++);
        }
    }

    /**
     * A 429's Retry-After binds every caller of this instance, not only the attempt that got it: the
     * acknowledgement lane's PATCH may be throttled and webhook-processing's then answers the same operation. Until it
     * has passed, the same request (method and path) is not sent again; the caller gets a transient failure with the
     * time still to wait, which the broker's back-off honours.
     */
    private Failure stillThrottled(Call call) {
        Instant until = throttledUntil.get(throttleKey(call));
        if (until == null) {
            return null;
        }
        Duration left = Duration.between(clock.instant(), until);
        if (left.isNegative() || left.isZero()) {
            throttledUntil.remove(throttleKey(call), until);
            return null;
        }
        return new Failure(Failure.Kind.TRANSIENT, SYSTEM, call.name(), 429, left, SYSTEM + " " + call.name()
                + " not sent: Microsoft's Retry-After of its last 429 has " + left.toMillis() + " ms to run");
    }

    private void rememberRetryAfter(Call call, Failure failure) {
        if (failure.getStatus() != 429 || failure.getRetryAfter() == null || failure.getRetryAfter().isZero()) {
            return;
        }
        Instant now = clock.instant();
        if (throttledUntil.size() >= MAX_THROTTLED) {
            throttledUntil.values().removeIf(until -> !until.isAfter(now));
        }
        if (throttledUntil.size() < MAX_THROTTLED) {
            throttledUntil.put(throttleKey(call), now.plus(failure.getRetryAfter()));
        }
    }

    private static String throttleKey(Call call) {
        return call.method() + " " + call.path();
    }

    private HttpResponse<String> send(Call call, String correlationId, boolean freshToken) throws IOException {
        String requestId = UUID.randomUUID().toString();
        // A link Microsoft gave may carry a query of its own (List Subscriptions' continuationToken).
        URI uri = URI.create(apiBase() + call.path()
                + (call.path().contains("?") ? "&" : "?") + "api-version="
                + URLEncoder.encode(properties.apiVersion(), StandardCharsets.UTF_8));
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(call.timeout())
                .header("Authorization", tokens.authorization(freshToken))
                .header("x-ms-requestid", requestId)
                .header("x-ms-correlationid", correlationId)
                .header("Content-Type", "application/json")
                .method(call.method(), call.body() == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(call.body()));
        if (call.marketplaceToken() != null) {
            request.header("x-ms-marketplace-token", call.marketplaceToken());
        }
        long started = System.nanoTime();
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            record(call, String.valueOf(response.statusCode()), started);
            LOG.debug("{} {} answered {} (x-ms-requestid {}, x-ms-correlationid {})", SYSTEM, call.name(),
                    response.statusCode(), requestId, correlationId);
            return response;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (IOException e) {
            record(call, "none", started);
            throw e;
        }
    }

    /** {@code bridge_fulfillment_calls_seconds{call, status}}: every request, by call and HTTP status ("none": no answer). */
    private void record(Call call, String status, long startedNanos) {
        Timer.builder("bridge.fulfillment.calls").description("Fulfillment API requests by call and HTTP status")
                .tag("call", call.name()).tag("status", status).register(meters)
                .record(System.nanoTime() - startedNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    private boolean retryable(Call call, Failure failure, int retry, Instant deadline) {
        // A system that asks for a longer pause than we wait in line is not asked again now.
        boolean asksTooMuch = failure.getRetryAfter() != null && failure.getRetryAfter().compareTo(properties.maxRetryAfter()) > 0;
        return call.safe() && !failure.isPermanent() && !asksTooMuch && retry < retries.maxRetries()
                && clock.instant().plus(wait(failure, retry)).isBefore(deadline);
    }

    private Duration wait(Failure failure, int retry) {
        Duration backoff = retries.backoff().multipliedBy(1L << Math.min(retry, 16));
        return failure.getRetryAfter() != null ? failure.getRetryAfter() : backoff;
    }

    private void pause(Call call, Failure failure, int retry) {
        Duration wait = wait(failure, retry);
        LOG.warn("{} (attempt {} of {}), retrying in {} ms", failure.getMessage(), retry + 1, retries.maxRetries() + 1,
                wait.toMillis());
        try {
            Thread.sleep(wait.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failure;
        }
    }

    private Map<String, Object> read(HttpResponse<String> response) {
        String body = response.body();
        if (body == null || body.isBlank()) {
            return new LinkedHashMap<>();
        }
        try {
            return json.readValue(body, MAP);
        } catch (IOException e) {
            throw Failure.transientFailure(SYSTEM, "read", "answered " + response.statusCode()
                    + " with a body that is not a JSON object: " + detail(body));
        }
    }

    private String write(Object body) {
        try {
            return json.writeValueAsString(body);
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot write the request body as JSON", e);
        }
    }

    private static String detail(String body) {
        if (body == null) {
            return "";
        }
        String oneLine = body.replaceAll("[\\r\\n]+", " ").trim();
        return oneLine.length() > MAX_ERROR_CHARS ? oneLine.substring(0, MAX_ERROR_CHARS) + "…" : oneLine;
    }

    /** Ids become parts of the URL: only GUIDs pass, so no path or query can be injected. */
    private static String guid(String id) {
        if (id == null || !id.matches("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")) {
            throw Failure.permanent(SYSTEM, "request", "not a GUID: " + (id == null ? "none" : detail(id)));
        }
        return id.toLowerCase();
    }
}
