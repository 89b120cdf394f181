package io.marketplacebridge.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.marketplacebridge.web.ProblemException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.apache.camel.Variable;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The bridge's registry of subscriptions (docs/architecture.md "Memory"): each subscription's last state as
 * Microsoft reported it and as the bridge published it, its timeline of events with each system's outcome, for the
 * routes to write and the subscription API to read. Every write is a keyed upsert (event id, system), so a
 * redelivery, a replay or a second bridge instance never duplicates an entry; a failed write throws, and the
 * consuming route rolls back and retries like any other failure.
 */
@Component
public class SubscriptionRegistry {

    /** What happened to an event at one system. */
    public enum Outcome {
        DELIVERED("delivered"), DEAD_LETTERED("dead-lettered"), REPLAYED("replayed"), DISCARDED("discarded");

        private final String label;

        Outcome(String label) {
            this.label = label;
        }

        /** The word in the store and the API. */
        public String label() {
            return label;
        }
    }

    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() { };
    private static final int MAX_DETAIL_CHARS = 2000;
    private static final int MAX_PAGE_SIZE = 200;

    private final JdbcTemplate jdbc;
    private final ObjectMapper json;
    private final MeterRegistry meters;
    private final Clock clock;
    private final StoreWrites writes;

    @Autowired
    public SubscriptionRegistry(JdbcTemplate jdbc, StoreWrites writes, ObjectMapper json, MeterRegistry meters) {
        this(jdbc, writes, json, meters, Clock.systemUTC());
    }

    SubscriptionRegistry(JdbcTemplate jdbc, StoreWrites writes, ObjectMapper json, MeterRegistry meters, Clock clock) {
        this.jdbc = jdbc;
        this.writes = writes;
        this.json = json;
        this.meters = meters;
        this.clock = clock;
    }

    /**
     * Records a published canonical event: its timeline entry (once per event id) and the subscription's state, which
     * is both what Microsoft reported (every event carries Get Subscription's answer) and what the bridge published.
     */
    @SuppressWarnings("unchecked")
    public void recordPublished(@Variable("event") Map<String, Object> event) {
        Map<String, Object> subscription = (Map<String, Object>) event.get("subscription");
        String subscriptionId = String.valueOf(subscription.get("id"));
        String eventId = String.valueOf(event.get("eventId"));
        OffsetDateTime occurredAt = time(event.get("occurredAt"));
        OffsetDateTime now = StoreTimes.now(clock);
        String state = write(subscription);
        boolean first = writes.commit(() -> {
            // A redelivery or a replay publishes the same event again: one entry.
            boolean inserted = jdbc.update("INSERT INTO subscription_event (event_id, subscription_id, event_type,"
                    + " event_source, status, plan_id, quantity, occurred_at, correlation_id, recorded_at)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", eventId, subscriptionId,
                    event.get("type"), event.get("source"), subscription.get("saasSubscriptionStatus"),
                    subscription.get("planId"), quantity(subscription), occurredAt, event.get("correlationId"), now) > 0;
            // Metering's UsageReported carries the state the bridge had published when the hour was reported, not
            // Microsoft's: recorded after a newer event (a reconciliation repair), it would take the state back.
            if ("UsageReported".equals(event.get("type")) && jdbc.update("UPDATE subscription SET last_event_id = ?,"
                    + " last_event_type = ?, updated_at = ? WHERE subscription_id = ?", eventId, event.get("type"), now,
                    subscriptionId) > 0) {
                return inserted;
            }
            upsert(false, "UPDATE subscription SET offer_id = ?, plan_id = ?, quantity = ?, status = ?, microsoft_state = ?,"
                            + " microsoft_seen_at = ?, published_state = ?, last_event_id = ?, last_event_type = ?, updated_at = ?"
                            + " WHERE subscription_id = ?",
                    new Object[] {subscription.get("offerId"), subscription.get("planId"), quantity(subscription),
                            subscription.get("saasSubscriptionStatus"), state, occurredAt, state, eventId, event.get("type"),
                            now, subscriptionId},
                    "INSERT INTO subscription (subscription_id, offer_id, plan_id, quantity, status, microsoft_state,"
                            + " microsoft_seen_at, published_state, last_event_id, last_event_type, created_at, updated_at)"
                            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    new Object[] {subscriptionId, subscription.get("offerId"), subscription.get("planId"),
                            quantity(subscription), subscription.get("saasSubscriptionStatus"), state, occurredAt, state,
                            eventId, event.get("type"), now, now});
            return inserted;
        });
        if (first) {
            meters.counter("bridge.events.published", "type", String.valueOf(event.get("type")),
                    "source", String.valueOf(event.get("source"))).increment();
        }
    }

    /** Records that a system took an event (its queue is the system's name). */
    public void recordDelivered(@Header("bridgeEventId") String eventId, @ExchangeProperty("bridgeQueue") String system,
            @Header("bridgeSubscriptionId") String subscriptionId, @ExchangeProperty("bridgeAttempt") Integer attempts) {
        recordOutcome(eventId, system, subscriptionId, Outcome.DELIVERED, null, attempts);
    }

    /** Records that a message went to its dead-letter queue, with the reason (policy queue-consumer-errors). */
    public void recordDeadLettered(@Header("bridgeEventId") String eventId, @ExchangeProperty("bridgeQueue") String system,
            @Header("bridgeSubscriptionId") String subscriptionId, @Header("bridgeFailureMessage") String reason,
            @ExchangeProperty("bridgeAttempt") Integer attempts) {
        recordOutcome(eventId, system, subscriptionId, Outcome.DEAD_LETTERED, reason, attempts);
    }

    /**
     * Records one system's outcome for one event: the latest outcome, and when this one happened (with the reason of
     * a dead letter or a discard), so the timeline shows the whole story of a delivery.
     */
    public void recordOutcome(String eventId, String system, String subscriptionId, Outcome outcome, String detail,
            Integer attempts) {
        if (eventId == null || system == null) {
            return;
        }
        String shortDetail = detail == null ? null : detail.length() > MAX_DETAIL_CHARS ? detail.substring(0, MAX_DETAIL_CHARS) : detail;
        OffsetDateTime now = StoreTimes.now(clock);
        String when = switch (outcome) {
            case DELIVERED -> "delivered_at = ?";
            case DEAD_LETTERED -> "dead_lettered_at = ?, dead_letter_reason = ?";
            case REPLAYED -> "replayed_at = ?";
            case DISCARDED -> "discarded_at = ?, discard_reason = ?";
        };
        boolean withReason = outcome == Outcome.DEAD_LETTERED || outcome == Outcome.DISCARDED;
        List<Object> updateArgs = new ArrayList<>(List.of(outcome.label()));
        updateArgs.add(shortDetail);
        updateArgs.add(attempts);
        updateArgs.add(now);
        updateArgs.add(subscriptionId);
        updateArgs.add(now);
        if (withReason) {
            updateArgs.add(shortDetail);
        }
        updateArgs.add(eventId);
        updateArgs.add(system);
        String column = when.substring(0, when.indexOf(' '));
        String reasonColumn = outcome == Outcome.DEAD_LETTERED ? ", dead_letter_reason" : outcome == Outcome.DISCARDED ? ", discard_reason" : "";
        // Delivered is mostly an event's first outcome at a system: inserted first, updated when the row is there.
        writes.commit(() -> upsert(outcome == Outcome.DELIVERED,
                "UPDATE delivery SET outcome = ?, detail = ?, attempts = COALESCE(?, attempts), updated_at = ?,"
                        + " subscription_id = COALESCE(subscription_id, ?), " + when + " WHERE event_id = ? AND target_system = ?",
                updateArgs.toArray(),
                "INSERT INTO delivery (event_id, target_system, subscription_id, outcome, detail, attempts, updated_at, " + column
                        + reasonColumn + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?" + (withReason ? ", ?" : "") + ")",
                withReason ? new Object[] {eventId, system, subscriptionId, outcome.label(), shortDetail, attempts, now, now, shortDetail}
                        : new Object[] {eventId, system, subscriptionId, outcome.label(), shortDetail, attempts, now, now}));
        meters.counter("bridge.deliveries", "system", system, "outcome", outcome.label()).increment();
    }

    /**
     * One page of subscriptions, most recently changed first, with the total:
     * {@code {"total", "page", "size", "subscriptions": [...]}}.
     */
    public Map<String, Object> list(@Header("status") String status, @Header("offerId") String offerId,
            @Header("planId") String planId, @Header("page") String page, @Header("size") String size) {
        int pageNumber = number(page, "page", 0, 0, Integer.MAX_VALUE);
        int pageSize = number(size, "size", 50, 1, MAX_PAGE_SIZE);
        StringBuilder where = new StringBuilder(" WHERE 1 = 1");
        List<Object> args = new ArrayList<>();
        filter(where, args, "status", status);
        filter(where, args, "offer_id", offerId);
        filter(where, args, "plan_id", planId);
        Long total = jdbc.queryForObject("SELECT COUNT(*) FROM subscription" + where, Long.class, args.toArray());
        List<Object> pageArgs = new ArrayList<>(args);
        pageArgs.add(pageSize);
        pageArgs.add((long) pageNumber * pageSize);
        List<Map<String, Object>> rows = jdbc.query("SELECT * FROM subscription" + where
                + " ORDER BY updated_at DESC, subscription_id LIMIT ? OFFSET ?", (rs, n) -> summary(rs), pageArgs.toArray());
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("total", total);
        answer.put("page", pageNumber);
        answer.put("size", pageSize);
        answer.put("subscriptions", rows);
        return answer;
    }

    /** The registry's record of one subscription, or null when the bridge never saw it. */
    public Map<String, Object> find(@Header("bridgeSubscriptionId") String subscriptionId) {
        List<Map<String, Object>> rows = jdbc.query("SELECT * FROM subscription WHERE subscription_id = ?",
                (rs, n) -> record(rs), subscriptionId);
        return rows.isEmpty() ? null : rows.get(0);
    }

    /**
     * The subscription's timeline, oldest first: each event with each system's outcome,
     * {@code {"subscriptionId", "events": [{eventId, type, source, occurredAt, correlationId, deliveries: [...]}]}}.
     * Outcomes of messages that are not events of the timeline (a dead-lettered notification) come as their own
     * entries.
     */
    public Map<String, Object> timeline(@Header("bridgeSubscriptionId") String subscriptionId) {
        Map<String, Map<String, Object>> events = new LinkedHashMap<>();
        jdbc.query("SELECT * FROM subscription_event WHERE subscription_id = ? ORDER BY occurred_at, recorded_at, event_id",
                rs -> {
                    Map<String, Object> event = new LinkedHashMap<>();
                    event.put("eventId", rs.getString("event_id"));
                    event.put("type", rs.getString("event_type"));
                    event.put("source", rs.getString("event_source"));
                    event.put("status", rs.getString("status"));
                    event.put("planId", rs.getString("plan_id"));
                    event.put("quantity", rs.getObject("quantity"));
                    event.put("occurredAt", StoreTimes.iso(rs, "occurred_at"));
                    event.put("correlationId", rs.getString("correlation_id"));
                    event.put("deliveries", new ArrayList<Map<String, Object>>());
                    events.put(rs.getString("event_id"), event);
                }, subscriptionId);
        List<Map<String, Object>> others = new ArrayList<>();
        jdbc.query("SELECT * FROM delivery WHERE subscription_id = ? ORDER BY updated_at, target_system", rs -> {
            Map<String, Object> delivery = new LinkedHashMap<>();
            delivery.put("system", rs.getString("target_system"));
            delivery.put("outcome", rs.getString("outcome"));
            delivery.put("detail", rs.getString("detail"));
            delivery.put("attempts", rs.getObject("attempts"));
            delivery.put("at", StoreTimes.iso(rs, "updated_at"));
            putIfSet(delivery, "deliveredAt", StoreTimes.iso(rs, "delivered_at"));
            putIfSet(delivery, "deadLetteredAt", StoreTimes.iso(rs, "dead_lettered_at"));
            putIfSet(delivery, "deadLetterReason", rs.getString("dead_letter_reason"));
            putIfSet(delivery, "replayedAt", StoreTimes.iso(rs, "replayed_at"));
            putIfSet(delivery, "discardedAt", StoreTimes.iso(rs, "discarded_at"));
            putIfSet(delivery, "discardReason", rs.getString("discard_reason"));
            Map<String, Object> event = events.get(rs.getString("event_id"));
            if (event != null) {
                @SuppressWarnings("unchecked")
                List<Map<String, Object>> deliveries = (List<Map<String, Object>>) event.get("deliveries");
                deliveries.add(delivery);
            } else {
                delivery.put("eventId", rs.getString("event_id"));
                others.add(delivery);
            }
        }, subscriptionId);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("subscriptionId", subscriptionId);
        answer.put("events", new ArrayList<>(events.values()));
        if (!others.isEmpty()) {
            answer.put("otherOutcomes", others);
        }
        return answer;
    }

    /**
     * The last state of the subscription the bridge published (the subscription of its last event), or null when the
     * bridge never published one: what reconciliation compares with Microsoft's.
     */
    public Map<String, Object> publishedState(@Header("bridgeSubscriptionId") String subscriptionId) {
        List<String> states = jdbc.queryForList("SELECT published_state FROM subscription WHERE subscription_id = ?",
                String.class, subscriptionId);
        return states.isEmpty() || states.get(0) == null ? null : read(states.get(0));
    }

    /**
     * Whether the bridge published an event of the subscription with Microsoft's view of it at or after {@code since}
     * (the time a reconciliation run listed it): then what Microsoft listed may be older than what the bridge
     * published, and must not be published as a repair. Metering's {@code UsageReported} does not count: it carries
     * the state the bridge had published, not a newer one.
     */
    public boolean publishedSince(@Header("bridgeSubscriptionId") String subscriptionId, @Variable("listedAt") java.util.Date since) {
        Integer events = jdbc.queryForObject("SELECT COUNT(*) FROM subscription_event WHERE subscription_id = ? AND recorded_at >= ?"
                + " AND event_type <> 'UsageReported'", Integer.class, subscriptionId, StoreTimes.utc(since.toInstant()));
        return events != null && events > 0;
    }

    /**
     * Inserts, or updates the row the update statement names; a concurrent insert turns into the update. Never throws
     * on a row that is there (a statement that fails ends a PostgreSQL transaction, and StoreWrites batches them).
     *
     * @param insertFirst whether the row is most likely new: one statement instead of two
     */
    private void upsert(boolean insertFirst, String update, Object[] updateArgs, String insert, Object[] insertArgs) {
        String insertOnce = insert + " ON CONFLICT DO NOTHING";
        if (insertFirst) {
            if (jdbc.update(insertOnce, insertArgs) == 0) {
                jdbc.update(update, updateArgs);
            }
            return;
        }
        if (jdbc.update(update, updateArgs) == 0 && jdbc.update(insertOnce, insertArgs) == 0) {
            jdbc.update(update, updateArgs);
        }
    }

    private Map<String, Object> summary(ResultSet rs) throws SQLException {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("subscriptionId", rs.getString("subscription_id"));
        row.put("offerId", rs.getString("offer_id"));
        row.put("planId", rs.getString("plan_id"));
        row.put("quantity", rs.getObject("quantity"));
        row.put("status", rs.getString("status"));
        row.put("lastEventId", rs.getString("last_event_id"));
        row.put("lastEventType", rs.getString("last_event_type"));
        row.put("updatedAt", StoreTimes.iso(rs, "updated_at"));
        return row;
    }

    private Map<String, Object> record(ResultSet rs) throws SQLException {
        Map<String, Object> row = summary(rs);
        row.put("createdAt", StoreTimes.iso(rs, "created_at"));
        row.put("microsoftSeenAt", StoreTimes.iso(rs, "microsoft_seen_at"));
        row.put("published", read(rs.getString("published_state")));
        return row;
    }

    private static void putIfSet(Map<String, Object> map, String key, Object value) {
        if (value != null) {
            map.put(key, value);
        }
    }

    private static void filter(StringBuilder where, List<Object> args, String column, String value) {
        if (value != null && !value.isBlank()) {
            where.append(" AND ").append(column).append(" = ?");
            args.add(value.trim());
        }
    }

    private static int number(String value, String name, int fallback, int min, int max) {
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            int number = Integer.parseInt(value.trim());
            if (number < min || number > max) {
                throw new NumberFormatException();
            }
            return number;
        } catch (NumberFormatException e) {
            throw new ProblemException(400, "'" + name + "' must be a whole number from " + min + " to " + max + ".");
        }
    }

    private static Long quantity(Map<String, Object> subscription) {
        return subscription.get("quantity") instanceof Number n ? n.longValue() : null;
    }

    private OffsetDateTime time(Object iso) {
        if (iso == null) {
            return StoreTimes.now(clock);
        }
        try {
            return StoreTimes.utc(Instant.parse(iso.toString()));
        } catch (RuntimeException notInstant) {
            return StoreTimes.now(clock);
        }
    }

    private String write(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private Map<String, Object> read(String text) {
        if (text == null) {
            return null;
        }
        try {
            return json.readValue(text, MAP);
        } catch (JsonProcessingException e) {
            return Map.of("unreadable", text);
        }
    }
}
