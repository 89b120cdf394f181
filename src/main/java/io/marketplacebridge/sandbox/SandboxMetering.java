package io.marketplacebridge.sandbox;

import io.marketplacebridge.metering.MeteringReport;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The sandbox marketplace's metering service (docs/marketplace-contract.md §7), in memory: it takes usage events of the
 * sandbox's subscriptions by Microsoft's rules. One event per subscription, dimension and hour (a second is a
 * {@code Duplicate} naming the accepted one), none older than 24 hours ({@code Expired}), only for a
 * {@code Subscribed} subscription ({@code ResourceNotActive}), only in a dimension of the subscription's plan
 * ({@code InvalidDimension}) and above zero ({@code InvalidQuantity}); at most 25 events a batch.
 */
public class SandboxMetering {

    /** The most events one batchUsageEvent takes. */
    public static final int MAX_BATCH = 25;

    private final SandboxMarketplace marketplace;
    private final Clock clock;
    private final Map<String, Map<String, Object>> accepted = new LinkedHashMap<>();
    /** How often each (resource, dimension, hour) was reported, accepted or not. */
    private final Map<String, Integer> reports = new HashMap<>();
    private long received;

    /**
     * What the metering service received: every usage event, and how many (resource, dimension, hour) were
     * reported more than once.
     */
    public record Counts(long usageEvents, long accepted, long hoursReportedMoreThanOnce) {
    }

    @Autowired
    public SandboxMetering(SandboxMarketplace marketplace) {
        this(marketplace, Clock.systemUTC());
    }

    SandboxMetering(SandboxMarketplace marketplace, Clock clock) {
        this.marketplace = marketplace;
        this.clock = clock;
    }

    /**
     * Usage event (§7.1): the event's result, as one item of a batch answer: {@code status} {@code Accepted} with
     * {@code usageEventId}, {@code Duplicate} with {@code error.additionalInfo.acceptedMessage}, or a refusal with
     * {@code error.code} and {@code error.message}.
     */
    public synchronized Map<String, Object> usageEvent(Map<String, Object> event) {
        received++;
        Map<String, Object> request = event == null ? Map.of() : event;
        Map<String, Object> result = echo(request);
        String subscriptionId = request.get("resourceId") == null ? null : String.valueOf(request.get("resourceId"));
        Map<String, Object> subscription;
        try {
            subscription = marketplace.subscription(subscriptionId);
        } catch (SimulatorException unknown) {
            return refused(result, "ResourceNotFound", "No subscription " + subscriptionId + " of this publisher.");
        }
        Instant start = MeteringReport.utcTime(request.get("effectiveStartTime"));
        if (start == null) {
            return refused(result, "BadArgument", "effectiveStartTime must be a UTC time.");
        }
        String dimension = request.get("dimension") == null ? "" : String.valueOf(request.get("dimension"));
        String key = subscriptionId.toLowerCase(Locale.ROOT) + "/" + dimension + "/" + start.truncatedTo(ChronoUnit.HOURS);
        reports.merge(key, 1, Integer::sum);
        Map<String, Object> earlier = accepted.get(key);
        if (earlier != null) {
            result.put("status", "Duplicate");
            result.put("messageTime", "0001-01-01T00:00:00");
            result.put("error", error("Conflict", "This usage event already exist.", Map.of("acceptedMessage", earlier)));
            return result;
        }
        Instant now = clock.instant();
        if (start.isBefore(now.minus(Duration.ofHours(24)))) {
            return refused(result, "Expired", "effectiveStartTime is more than 24 hours in the past.");
        }
        if (start.isAfter(now)) {
            return refused(result, "BadArgument", "effectiveStartTime is in the future.");
        }
        if (!"Subscribed".equals(subscription.get("saasSubscriptionStatus"))) {
            return refused(result, "ResourceNotActive", "The subscription is " + subscription.get("saasSubscriptionStatus")
                    + ": only a Subscribed subscription is metered.");
        }
        SandboxPlan plan = SandboxPlan.find(String.valueOf(subscription.get("planId"))).orElseThrow();
        if (request.get("planId") != null && !plan.planId().equals(request.get("planId"))) {
            return refused(result, "BadArgument", "planId " + request.get("planId") + " is not the subscription's plan "
                    + plan.planId() + ".");
        }
        if (!plan.meters(dimension)) {
            return refused(result, "InvalidDimension", "Plan " + plan.planId() + " has no dimension '" + dimension + "'.");
        }
        if (!(request.get("quantity") instanceof Number quantity) || quantity.doubleValue() <= 0) {
            return refused(result, "InvalidQuantity", "quantity must be a number above zero.");
        }
        result.put("usageEventId", UUID.randomUUID().toString());
        result.put("status", "Accepted");
        result.put("messageTime", now.toString());
        result.put("planId", plan.planId());
        Map<String, Object> stored = new LinkedHashMap<>(result);
        stored.put("quantity", quantity.doubleValue());
        accepted.put(key, stored);
        return new LinkedHashMap<>(stored);
    }

    /** Batch usage event (§7.1): one result per event, in order; more than {@value #MAX_BATCH} events is refused whole. */
    public synchronized Map<String, Object> batch(List<Map<String, Object>> events) {
        if (events == null || events.isEmpty() || events.size() > MAX_BATCH) {
            throw SimulatorException.badRequest("A batch holds 1 to " + MAX_BATCH + " usage events.");
        }
        List<Map<String, Object>> results = new ArrayList<>();
        events.forEach(event -> results.add(usageEvent(event)));
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("count", results.size());
        answer.put("result", results);
        return answer;
    }

    /** The usage events accepted, oldest first; only those of one subscription when {@code subscriptionId} is given. */
    public synchronized List<Map<String, Object>> usage(String subscriptionId) {
        return accepted.values().stream()
                .filter(event -> subscriptionId == null || String.valueOf(event.get("resourceId")).equalsIgnoreCase(subscriptionId))
                .map(LinkedHashMap::new)
                .map(event -> (Map<String, Object>) event)
                .toList();
    }

    /** What was received since the start or the last {@link #clear}. */
    public synchronized Counts counts() {
        return new Counts(received, accepted.size(), reports.values().stream().filter(count -> count > 1).count());
    }

    /** Forgets every usage event. */
    public synchronized void clear() {
        accepted.clear();
        reports.clear();
        received = 0;
    }

    private static Map<String, Object> echo(Map<String, Object> request) {
        Map<String, Object> result = new LinkedHashMap<>();
        for (String field : List.of("resourceId", "quantity", "dimension", "effectiveStartTime", "planId")) {
            result.put(field, request.get(field));
        }
        return result;
    }

    private Map<String, Object> refused(Map<String, Object> result, String status, String message) {
        result.put("status", status);
        result.put("messageTime", clock.instant().toString());
        result.put("error", error(status, message, null));
        return result;
    }

    private static Map<String, Object> error(String code, String message, Map<String, Object> additionalInfo) {
        Map<String, Object> error = new LinkedHashMap<>();
        if (additionalInfo != null) {
            error.put("additionalInfo", additionalInfo);
        }
        error.put("message", message);
        error.put("code", code);
        return error;
    }
}
