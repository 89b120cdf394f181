package io.marketplacebridge.metering;

import static io.marketplacebridge.registry.StoreTimes.instant;
import static io.marketplacebridge.registry.StoreTimes.utc;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import io.marketplacebridge.web.HttpAnswer;
import io.marketplacebridge.web.Problems;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.camel.Body;
import org.apache.camel.Header;
import org.apache.camel.Variable;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Takes usage records in (routes/metering.camel.yaml: {@code POST /api/usage} and the queue
 * {@code marketplace.usage}): one record {@code {subscriptionId, dimension, quantity, timestamp, planId?, id?}} or a
 * list of up to {@code bridge.metering.max-records}, taken whole or refused whole.
 *
 * <p>A record is refused, with its place in the list and the field, when it cannot be reported to Microsoft
 * (docs/marketplace-contract.md §7.2): a quantity not above zero, a timestamp in the future or in an hour that started
 * more than 24 hours ago (less {@code bridge.metering.interval}, the wait for the next report), a subscription the
 * registry does not know or that was not {@code Subscribed} at that time (its last lifecycle event at or before the
 * timestamp, table {@code subscription_event}), or an hour already sent to Microsoft. A refused list writes nothing.
 *
 * <p>An accepted list is one transaction: its records (one batched insert; a record whose id the store already holds
 * counts once) and the hourly totals per subscription, plan, dimension and UTC hour, added to only while the hour is
 * {@code open}. A concurrent first write of the same key turns into a retry of the whole list, which then sees it.
 */
@Component
public class UsageIntake {

    /** The longest id, plan or dimension taken. */
    static final int MAX_TEXT = 200;
    /** Decimal places a quantity may have (the store keeps NUMERIC(38, 18)). */
    static final int MAX_DECIMALS = 18;
    /** Digits a quantity may have before the decimal point. */
    static final int MAX_WHOLE_DIGITS = 20;
    /** A product's clock may be a little ahead of the bridge's: a timestamp this much in the future still counts as now. */
    static final Duration CLOCK_SKEW = Duration.ofMinutes(1);
    /** How late Microsoft still takes an hour (docs/marketplace-contract.md §7.2). */
    static final Duration MICROSOFT_LIMIT = Duration.ofHours(24);

    private static final int MAX_DETAIL_CHARS = 2000;
    private static final int WRITE_ATTEMPTS = 3;

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final ObjectMapper json;
    private final ObjectReader decimals;
    private final MeteringProperties properties;
    private final Clock clock;

    public UsageIntake(JdbcTemplate jdbc, PlatformTransactionManager transactionManager, ObjectMapper json,
            MeteringProperties properties, Clock meteringClock) {
        this.jdbc = jdbc;
        this.transactions = new TransactionTemplate(transactionManager);
        this.json = json;
        // Quantities stay exact: 0.1 is 0.1, not the double nearest to it.
        this.decimals = json.reader().with(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
        this.properties = properties;
        this.clock = meteringClock;
    }

    /**
     * Takes the records of a {@code POST /api/usage}. A record without an id gets a fresh one: the product can only
     * have a repeated request recognised by giving ids.
     *
     * @return {@code {"accepted": n, "duplicates": d}}, or {@code {"refused": true, "status", "detail", "errors"}}
     */
    public Map<String, Object> acceptRequest(@Body String body) {
        return accept(body, null);
    }

    /**
     * Takes the records of a message of {@code marketplace.usage}. A record without an id is named after the message
     * and its place in it, so a redelivered message counts once.
     *
     * @return as {@link #acceptRequest}
     */
    public Map<String, Object> acceptMessage(@Body String body, @Header("JMSMessageID") String messageId) {
        return accept(body, messageId == null ? UUID.randomUUID().toString() : messageId);
    }

    /** The problem answer (RFC 9457) of a refused list: its status, what was wrong, and every refused record. */
    public HttpAnswer problem(@Variable("intake") Map<String, Object> intake) {
        int status = (Integer) intake.get("status");
        Map<String, Object> extensions = intake.get("errors") == null ? Map.of() : Map.of("errors", intake.get("errors"));
        return new HttpAnswer(status, "application/problem+json",
                Problems.problem(json, status, (String) intake.get("detail"), extensions), null);
    }

    private Map<String, Object> accept(String body, String messageId) {
        JsonNode root;
        try {
            root = body == null || body.isBlank() ? null : decimals.readTree(body);
        } catch (JsonProcessingException e) {
            root = null;
        }
        if (root == null || !root.isObject() && !root.isArray()) {
            return refused(400, "The body must be a usage record {\"subscriptionId\", \"dimension\", \"quantity\", \"timestamp\","
                    + " \"planId\"?, \"id\"?} or a JSON list of them.", null);
        }
        List<JsonNode> nodes = new ArrayList<>();
        if (root.isObject()) {
            nodes.add(root);
        } else {
            root.forEach(nodes::add);
        }
        if (nodes.isEmpty()) {
            return refused(400, "The list holds no usage record.", null);
        }
        if (nodes.size() > properties.maxRecords()) {
            return refused(413, "The list holds " + nodes.size() + " usage records; at most " + properties.maxRecords()
                    + " are taken at once (bridge.metering.max-records).", null);
        }
        Instant now = clock.instant();
        List<Map<String, Object>> errors = new ArrayList<>();
        List<UsageRecord> records = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            UsageRecord record = read(i, nodes.get(i), messageId, now, errors);
            if (record != null) {
                records.add(record);
            }
        }
        for (int attempt = 1; ; attempt++) {
            try {
                int total = nodes.size();
                return transactions.execute(status -> checkAndWrite(records, errors, total, now));
            } catch (DuplicateKeyException concurrent) {
                // Another list wrote the same record or opened the same hour first: the next attempt sees its row.
                if (attempt == WRITE_ATTEMPTS) {
                    throw concurrent;
                }
            }
        }
    }

    /** One record, or null with its errors added. */
    private UsageRecord read(int index, JsonNode node, String messageId, Instant now, List<Map<String, Object>> errors) {
        if (!node.isObject()) {
            errors.add(error(index, null, null, "record", "must be a JSON object"));
            return null;
        }
        int before = errors.size();
        String id = text(node.get("id"));
        if (node.hasNonNull("id") && (id == null || !node.get("id").isTextual() && !node.get("id").isIntegralNumber())) {
            errors.add(error(index, null, null, "id", "must be a string or a whole number"));
        } else if (id != null && id.length() > MAX_TEXT) {
            errors.add(error(index, null, null, "id", "must be at most " + MAX_TEXT + " characters"));
        }
        String subscriptionId = text(node.get("subscriptionId"));
        if (subscriptionId == null || !Problems.isGuid(subscriptionId)) {
            errors.add(error(index, id, null, "subscriptionId", "must be the subscription's id (a GUID)"));
        }
        // Ids of Microsoft's plans and dimensions are strings: a number or a boolean is not taken for one.
        String dimension = string(node.get("dimension"));
        if (dimension == null || dimension.length() > MAX_TEXT) {
            errors.add(error(index, id, subscriptionId, "dimension", "must be the dimension id of the plan (1 to " + MAX_TEXT
                    + " characters)"));
        }
        String planId = string(node.get("planId"));
        if (node.hasNonNull("planId") && (planId == null || planId.length() > MAX_TEXT)) {
            errors.add(error(index, id, subscriptionId, "planId", "must be a plan id (1 to " + MAX_TEXT
                    + " characters), or left out for the plan the subscription had at that time"));
        }
        BigDecimal quantity = quantity(node.get("quantity"));
        if (quantity == null) {
            errors.add(error(index, id, subscriptionId, "quantity", "must be a number"));
        } else if (quantity.signum() <= 0) {
            errors.add(error(index, id, subscriptionId, "quantity", "must be above zero (Microsoft takes no zero or negative"
                    + " usage and never refunds)"));
        } else if (quantity.scale() > MAX_DECIMALS || quantity.precision() - quantity.scale() > MAX_WHOLE_DIGITS) {
            errors.add(error(index, id, subscriptionId, "quantity", "must have at most " + MAX_WHOLE_DIGITS + " digits before"
                    + " and " + MAX_DECIMALS + " after the decimal point"));
        }
        Instant timestamp = timestamp(node.get("timestamp"));
        Instant hourStart = timestamp == null ? null : timestamp.truncatedTo(ChronoUnit.HOURS);
        if (timestamp == null) {
            errors.add(error(index, id, subscriptionId, "timestamp", "must be an ISO-8601 time with its offset, e.g."
                    + " 2026-05-02T09:15:00Z or 2026-05-02T11:15:00+02:00"));
        } else if (timestamp.isAfter(now.plus(CLOCK_SKEW))) {
            errors.add(error(index, id, subscriptionId, "timestamp", "is in the future (the bridge's time is " + now + ")"));
        } else if (hourStart.isBefore(now.minus(MICROSOFT_LIMIT).plus(properties.interval()))) {
            errors.add(error(index, id, subscriptionId, "timestamp", "is too old: its hour " + hourStart + " started more than 24"
                    + " hours before it could be reported, and Microsoft takes no older usage"));
        }
        if (errors.size() > before) {
            return null;
        }
        boolean productId = id != null;
        String key = productId ? id : messageId == null ? UUID.randomUUID().toString() : "message:" + messageId + ":" + index;
        return new UsageRecord(index, key, productId, subscriptionId.toLowerCase(), planId, dimension, quantity, timestamp,
                hourStart);
    }

    private Map<String, Object> checkAndWrite(List<UsageRecord> parsed, List<Map<String, Object>> fieldErrors, int total,
            Instant now) {
        List<Map<String, Object>> errors = new ArrayList<>(fieldErrors);
        List<UsageRecord> records = withRegistryChecks(parsed, errors);
        records = withoutReportedHours(records, errors);
        if (!errors.isEmpty()) {
            errors.sort((a, b) -> Integer.compare((Integer) a.get("record"), (Integer) b.get("record")));
            long refusedRecords = errors.stream().map(e -> e.get("record")).distinct().count();
            return refused(422, (total == 1 ? "The usage record cannot be reported" : refusedRecords + " of " + total
                    + " usage records cannot be reported; the list was not taken") + ": " + summary(errors), errors);
        }
        List<UsageRecord> fresh = withoutKnownRecords(records);
        write(fresh, now);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("accepted", fresh.size());
        answer.put("duplicates", records.size() - fresh.size());
        return answer;
    }

    /** Records of subscriptions the registry knows, Subscribed at their time, with the plan of that time. */
    private List<UsageRecord> withRegistryChecks(List<UsageRecord> records, List<Map<String, Object>> errors) {
        Set<String> subscriptions = new LinkedHashSet<>();
        records.forEach(record -> subscriptions.add(record.subscriptionId()));
        if (subscriptions.isEmpty()) {
            return records;
        }
        Set<String> known = new HashSet<>(jdbc.queryForList("SELECT subscription_id FROM subscription WHERE subscription_id IN ("
                + marks(subscriptions.size()) + ")", String.class, subscriptions.toArray()));
        // Lifecycle events only: a UsageReported event repeats the state it was published with, and there are many.
        Map<String, List<State>> histories = new HashMap<>();
        jdbc.query("SELECT subscription_id, status, plan_id, occurred_at FROM subscription_event WHERE subscription_id IN ("
                + marks(subscriptions.size()) + ") AND status IS NOT NULL AND event_type <> 'UsageReported'"
                + " ORDER BY subscription_id, occurred_at, recorded_at", rs -> {
                    histories.computeIfAbsent(rs.getString("subscription_id"), id -> new ArrayList<>()).add(new State(
                            rs.getString("status").trim(), rs.getString("plan_id"), instant(rs, "occurred_at")));
                }, subscriptions.toArray());
        List<UsageRecord> checked = new ArrayList<>();
        for (UsageRecord record : records) {
            if (!known.contains(record.subscriptionId())) {
                errors.add(error(record, "subscriptionId", "is a subscription the bridge does not know (it learns of one"
                        + " when it is bought)"));
                continue;
            }
            State state = stateAt(histories.getOrDefault(record.subscriptionId(), List.of()), record.timestamp());
            if (state == null || !"Subscribed".equals(state.status())) {
                errors.add(error(record, "timestamp", "falls where subscription " + record.subscriptionId() + " was "
                        + (state == null ? "not yet bought or activated" : state.status() + " (since " + state.since() + ")")
                        + ": Microsoft meters only a Subscribed subscription"));
                continue;
            }
            if (record.planId() == null && state.planId() == null) {
                errors.add(error(record, "planId", "is needed: the registry holds no plan for that time"));
                continue;
            }
            checked.add(record.planId() == null ? record.withPlan(state.planId()) : record);
        }
        return checked;
    }

    /** Records whose subscription, dimension and hour have not been sent to Microsoft (under any plan). */
    private List<UsageRecord> withoutReportedHours(List<UsageRecord> records, List<Map<String, Object>> errors) {
        if (records.isEmpty()) {
            return records;
        }
        Set<String> subscriptions = new LinkedHashSet<>();
        Instant first = records.get(0).hourStart();
        Instant last = first;
        for (UsageRecord record : records) {
            subscriptions.add(record.subscriptionId());
            first = record.hourStart().isBefore(first) ? record.hourStart() : first;
            last = record.hourStart().isAfter(last) ? record.hourStart() : last;
        }
        List<Object> args = new ArrayList<>(subscriptions);
        args.add(utc(first));
        args.add(utc(last));
        Map<String, String> closed = new HashMap<>();
        jdbc.query("SELECT subscription_id, dimension, hour_start, state FROM usage_hour WHERE subscription_id IN ("
                + marks(subscriptions.size()) + ") AND hour_start >= ? AND hour_start <= ? AND state <> 'open'", rs -> {
                    closed.put(hourKey(rs.getString("subscription_id"), rs.getString("dimension"), instant(rs, "hour_start")),
                            rs.getString("state"));
                }, args.toArray());
        if (closed.isEmpty()) {
            return records;
        }
        List<UsageRecord> open = new ArrayList<>();
        for (UsageRecord record : records) {
            String state = closed.get(hourKey(record.subscriptionId(), record.dimension(), record.hourStart()));
            if (state == null) {
                open.add(record);
            } else {
                errors.add(error(record, "timestamp", "falls in hour " + record.hourStart() + " of dimension " + record.dimension()
                        + ", which is already " + state + " to Microsoft: usage is never added to an hour once it is sent"));
            }
        }
        return open;
    }

    /** The records not already in the store, nor earlier in the same list. */
    private List<UsageRecord> withoutKnownRecords(List<UsageRecord> records) {
        Set<String> ids = new LinkedHashSet<>();
        records.stream().filter(UsageRecord::productId).forEach(record -> ids.add(record.id()));
        Set<String> stored = new HashSet<>();
        if (!ids.isEmpty()) {
            // One look-up on the key's first column for the whole list; the subscription is matched here.
            jdbc.query("SELECT record_id, subscription_id FROM usage_record WHERE record_id IN (" + marks(ids.size()) + ")",
                    rs -> {
                        stored.add(rs.getString("subscription_id") + "/" + rs.getString("record_id"));
                    }, ids.toArray());
        }
        List<UsageRecord> fresh = new ArrayList<>();
        for (UsageRecord record : records) {
            if (stored.add(record.subscriptionId() + "/" + record.id())) {
                fresh.add(record);
            }
        }
        return fresh;
    }

    /** The records (one batched insert) and the hourly totals they add to (batched updates, then inserts). */
    private void write(List<UsageRecord> records, Instant now) {
        if (records.isEmpty()) {
            return;
        }
        OffsetDateTime acceptedAt = utc(now);
        jdbc.batchUpdate("INSERT INTO usage_record (record_id, subscription_id, plan_id, dimension, quantity, usage_at, hour_start,"
                + " accepted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", records.stream().map(record -> new Object[] {
                        record.id(), record.subscriptionId(), record.planId(), record.dimension(), record.quantity(),
                        utc(record.timestamp()), utc(record.hourStart()), acceptedAt}).toList());
        Map<List<Object>, Total> totals = new LinkedHashMap<>();
        for (UsageRecord record : records) {
            totals.computeIfAbsent(List.of(record.subscriptionId(), record.planId(), record.dimension(), record.hourStart()),
                    key -> new Total()).add(record.quantity());
        }
        List<List<Object>> keys = new ArrayList<>(totals.keySet());
        int[] updated = jdbc.batchUpdate("UPDATE usage_hour SET quantity = quantity + ?, records = records + ?, updated_at = ?"
                + " WHERE subscription_id = ? AND plan_id = ? AND dimension = ? AND hour_start = ? AND state = 'open'",
                keys.stream().map(key -> new Object[] {totals.get(key).quantity, totals.get(key).records, acceptedAt, key.get(0),
                        key.get(1), key.get(2), utc((Instant) key.get(3))}).toList());
        List<Object[]> inserts = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            if (updated[i] == 0) {
                List<Object> key = keys.get(i);
                inserts.add(new Object[] {key.get(0), key.get(1), key.get(2), utc((Instant) key.get(3)),
                        totals.get(key).quantity, totals.get(key).records, acceptedAt});
            }
        }
        if (!inserts.isEmpty()) {
            // A row that exists but is no longer open (the report took the hour meanwhile) fails here as a duplicate:
            // the list is tried again and then refused for that hour.
            jdbc.batchUpdate("INSERT INTO usage_hour (subscription_id, plan_id, dimension, hour_start, quantity, records, state,"
                    + " attempts, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'open', 0, ?)", inserts);
        }
    }

    private static State stateAt(List<State> history, Instant time) {
        State state = null;
        for (State candidate : history) {
            if (candidate.since().isAfter(time)) {
                break;
            }
            state = candidate;
        }
        return state;
    }

    private static String summary(List<Map<String, Object>> errors) {
        StringBuilder text = new StringBuilder();
        for (Map<String, Object> error : errors) {
            if (text.length() > 0) {
                text.append("; ");
            }
            text.append("record ").append(error.get("record"));
            if (error.get("id") != null) {
                text.append(" (id ").append(error.get("id")).append(')');
            }
            text.append(": ").append(error.get("field")).append(' ').append(error.get("detail"));
            if (text.length() > MAX_DETAIL_CHARS) {
                text.setLength(MAX_DETAIL_CHARS);
                text.append("…");
                break;
            }
        }
        return text.toString();
    }

    private static Map<String, Object> refused(int status, String detail, List<Map<String, Object>> errors) {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("refused", true);
        answer.put("status", status);
        answer.put("detail", detail);
        answer.put("errors", errors);
        return answer;
    }

    private static Map<String, Object> error(UsageRecord record, String field, String detail) {
        return error(record.index(), record.productId() ? record.id() : null, record.subscriptionId(), field, detail);
    }

    private static Map<String, Object> error(int index, String id, String subscriptionId, String field, String detail) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("record", index);
        if (id != null) {
            error.put("id", id);
        }
        if (subscriptionId != null) {
            error.put("subscriptionId", subscriptionId);
        }
        error.put("field", field);
        error.put("detail", detail);
        return error;
    }

    private static String text(JsonNode node) {
        if (node == null || node.isNull() || node.isContainerNode()) {
            return null;
        }
        String text = node.asText().trim();
        return text.isEmpty() ? null : text;
    }

    /** The trimmed text of a JSON string, or null for anything else. */
    private static String string(JsonNode node) {
        return node != null && node.isTextual() ? text(node) : null;
    }

    private static BigDecimal quantity(JsonNode node) {
        return node != null && node.isNumber() ? node.decimalValue().stripTrailingZeros() : null;
    }

    private static Instant timestamp(JsonNode node) {
        if (node == null || !node.isTextual()) {
            return null;
        }
        try {
            return OffsetDateTime.parse(node.asText().trim()).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    static String hourKey(String subscriptionId, String dimension, Instant hourStart) {
        return subscriptionId + "/" + dimension + "/" + hourStart;
    }

    static String marks(int count) {
        return String.join(", ", Collections.nCopies(count, "?"));
    }


    /** What the subscription was from {@code since} on. */
    private record State(String status, String planId, Instant since) {
    }

    /** The sum and count of one hour's new records. */
    private static final class Total {
        private BigDecimal quantity = BigDecimal.ZERO;
        private int records;

        void add(BigDecimal value) {
            quantity = quantity.add(value);
            records++;
        }
    }
}
