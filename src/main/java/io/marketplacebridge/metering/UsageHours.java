package io.marketplacebridge.metering;

import static io.marketplacebridge.registry.StoreTimes.iso;
import static io.marketplacebridge.registry.StoreTimes.instant;
import static io.marketplacebridge.registry.StoreTimes.utc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.marketplacebridge.web.ProblemException;
import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.camel.Body;
import org.apache.camel.Header;
import org.apache.camel.Variable;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The hourly totals and their reporting state (table {@code usage_hour}; docs/architecture.md §14): which hours are
 * due, the batch that sends them (recorded before the call), how Microsoft settled each hour, and what the usage
 * view, health and the metric show.
 *
 * <p>An hour is {@code open} until a report run takes it into a batch: it is then {@code submitted} with the batch's
 * id, and only Microsoft's answer settles it ({@code reported} or {@code refused}). An hour still {@code submitted}
 * when a report run starts got no answer (a failure, a crash, a restart) and is sent again, with the same total:
 * Microsoft answers {@code Duplicate} for what it already has, so no hour counts twice.
 */
@Component
public class UsageHours {

    /** Microsoft's limit for one batchUsageEvent (docs/marketplace-contract.md §7.1). */
    public static final int MAX_BATCH = 25;
    /** The longest range one usage view covers. */
    static final Duration MAX_VIEW = Duration.ofDays(31);
    /** The range of a usage view without {@code from}. */
    static final Duration DEFAULT_VIEW = Duration.ofHours(48);

    private static final int MAX_ERROR_CHARS = 2000;
    private static final String KEY = "subscription_id = ? AND plan_id = ? AND dimension = ? AND hour_start = ?";
    private static final String ORDER = " ORDER BY hour_start, subscription_id, dimension, plan_id";

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final ObjectMapper json;
    private final MeteringProperties properties;
    private final Clock clock;

    public UsageHours(JdbcTemplate jdbc, PlatformTransactionManager transactionManager, ObjectMapper json,
            MeteringProperties properties, Clock meteringClock) {
        this.jdbc = jdbc;
        this.transactions = new TransactionTemplate(transactionManager);
        this.json = json;
        this.properties = properties;
        this.clock = meteringClock;
    }

    /**
     * Takes the next batch of at most {@link #MAX_BATCH} hours and marks them {@code submitted} with a fresh batch id,
     * committed before anything is sent. Hours an earlier run left submitted come first (sent again as they were);
     * then open hours that closed at least {@code bridge.metering.grace} ago, oldest first.
     *
     * @param report the running report ({@code runId}), so that an hour this run already tried waits for the next run
     * @return {@code {"batchId", "resent", "hours": [...], "request": [...]}} with the items of batchUsageEvent, or
     *         null when no hour is due
     */
    public Map<String, Object> nextBatch(@Variable("report") Map<String, Object> report) {
        String runId = (String) report.get("runId");
        Instant now = clock.instant();
        return transactions.execute(status -> {
            List<Object[]> keys = jdbc.query("SELECT subscription_id, plan_id, dimension, hour_start FROM usage_hour"
                    + " WHERE state = 'submitted' AND (report_run IS NULL OR report_run <> ?)" + ORDER + " LIMIT " + MAX_BATCH,
                    (rs, n) -> key(rs), runId);
            boolean resent = !keys.isEmpty();
            if (!resent) {
                keys = jdbc.query("SELECT subscription_id, plan_id, dimension, hour_start FROM usage_hour WHERE state = 'open'"
                        + " AND hour_start <= ?" + ORDER + " LIMIT " + MAX_BATCH, (rs, n) -> key(rs),
                        utc(now.minus(Duration.ofHours(1)).minus(properties.grace())));
            }
            if (keys.isEmpty()) {
                return null;
            }
            String batchId = UUID.randomUUID().toString();
            for (Object[] key : keys) {
                jdbc.update("UPDATE usage_hour SET state = 'submitted', batch_id = ?, report_run = ?, submitted_at = ?,"
                        + " attempts = attempts + 1, updated_at = ? WHERE " + KEY + " AND state = ?", batchId, runId, utc(now),
                        utc(now), key[0], key[1], key[2], key[3], resent ? "submitted" : "open");
            }
            List<Map<String, Object>> hours = jdbc.query("SELECT * FROM usage_hour WHERE batch_id = ? AND state = 'submitted'"
                    + ORDER, (rs, n) -> hour(rs), batchId);
            if (hours.isEmpty()) {
                return null;
            }
            List<Map<String, Object>> request = new ArrayList<>();
            for (Map<String, Object> hour : hours) {
                Map<String, Object> item = new LinkedHashMap<>();
                item.put("resourceId", hour.get("subscriptionId"));
                item.put("quantity", hour.get("quantity"));
                item.put("dimension", hour.get("dimension"));
                item.put("effectiveStartTime", hour.get("hourStart"));
                item.put("planId", hour.get("planId"));
                request.add(item);
            }
            Map<String, Object> batch = new LinkedHashMap<>();
            batch.put("batchId", batchId);
            batch.put("resent", resent);
            batch.put("hours", hours);
            batch.put("request", request);
            return batch;
        });
    }

    /**
     * Microsoft has the hour ({@code Accepted}, or {@code Duplicate}: accepted before): reported, with Microsoft's
     * usage event id and, when Microsoft's quantity differs from the bridge's, that quantity and a warning.
     */
    public void reported(@Variable("usage") Map<String, Object> usage) {
        Instant now = clock.instant();
        String warning = Boolean.TRUE.equals(usage.get("quantityDiffers"))
                ? "Microsoft already had " + usage.get("microsoftQuantity") + " for this hour; the bridge counted "
                        + usage.get("quantity") : null;
        jdbc.update("UPDATE usage_hour SET state = 'reported', usage_event_id = ?, microsoft_status = ?, microsoft_quantity = ?,"
                + " reported_at = ?, warning = ?, last_error = NULL, updated_at = ? WHERE " + KEY + " AND state = 'submitted'",
                withKey(usage, usage.get("usageEventId"), usage.get("status"), decimal(usage.get("microsoftQuantity")), utc(now),
                        warning, utc(now)));
    }

    /** Microsoft refused the hour: refused, with its status and reason (the hour is dead-lettered). */
    public void refused(@Variable("usage") Map<String, Object> usage) {
        Instant now = clock.instant();
        jdbc.update("UPDATE usage_hour SET state = 'refused', microsoft_status = ?, reason = ?, updated_at = ? WHERE " + KEY
                + " AND state = 'submitted'", withKey(usage, usage.get("status"), shorten(usage.get("message")), utc(now)));
    }

    /** No settling answer for the hour (Error, no result, no answer): it stays submitted for the next run. */
    public void retryLater(@Variable("usage") Map<String, Object> usage) {
        jdbc.update("UPDATE usage_hour SET last_error = ?, updated_at = ? WHERE " + KEY + " AND state = 'submitted'",
                withKey(usage, shorten(usage.get("status") + ": " + usage.get("message")), utc(clock.instant())));
    }

    /**
     * A refused hour's dead letter was replayed (its body is the hour): the hour is open again, with its total, and
     * the next report run sends it.
     *
     * @return whether a refused hour was opened
     */
    public boolean reopen(@Body String deadLetter) {
        Map<String, Object> usage;
        try {
            JsonNode hour = json.readTree(deadLetter);
            usage = new LinkedHashMap<>();
            for (String field : List.of("subscriptionId", "planId", "dimension", "hourStart")) {
                usage.put(field, hour.path(field).asText());
            }
            Instant.parse((String) usage.get("hourStart"));
        } catch (JsonProcessingException | DateTimeParseException e) {
            throw new IllegalArgumentException("The replayed usage hour is not the dead letter the bridge wrote: " + e.getMessage());
        }
        return jdbc.update("UPDATE usage_hour SET state = 'open', microsoft_status = NULL, reason = NULL, batch_id = NULL,"
                + " report_run = NULL, updated_at = ? WHERE " + KEY + " AND state = 'refused'",
                withKey(usage, utc(clock.instant()))) > 0;
    }

    /**
     * {@code GET /api/subscriptions/{id}/usage?from=&to=}: the subscription's hours starting in {@code [from, to)}
     * (ISO-8601 times; by default the last 48 hours), oldest first, each with its total and reporting state.
     */
    public Map<String, Object> view(@Header("bridgeSubscriptionId") String subscriptionId, @Header("from") String from,
            @Header("to") String to) {
        Instant now = clock.instant();
        Instant until = time(to, "to", now.plus(Duration.ofHours(1)));
        Instant since = time(from, "from", until.minus(DEFAULT_VIEW));
        if (!since.isBefore(until) || Duration.between(since, until).compareTo(MAX_VIEW) > 0) {
            throw new ProblemException(400, "'from' must be before 'to', at most 31 days apart.");
        }
        Integer known = jdbc.queryForObject("SELECT COUNT(*) FROM subscription WHERE subscription_id = ?", Integer.class,
                subscriptionId);
        if (known == null || known == 0) {
            throw new ProblemException(404, "The bridge does not know subscription " + subscriptionId + ".");
        }
        List<Map<String, Object>> hours = jdbc.query("SELECT * FROM usage_hour WHERE subscription_id = ? AND hour_start >= ?"
                + " AND hour_start < ?" + ORDER, (rs, n) -> hour(rs), subscriptionId, utc(since), utc(until));
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("subscriptionId", subscriptionId);
        answer.put("from", since.toString());
        answer.put("to", until.toString());
        answer.put("hours", hours);
        return answer;
    }

    /**
     * The closed hours of the last 24 hours that Microsoft does not have yet (open, submitted or refused), for health
     * and the metric: how many of each state, and the oldest, with its age.
     */
    public Map<String, Object> unreported() {
        Instant now = clock.instant();
        Object[] window = {utc(now.minus(UsageIntake.MICROSOFT_LIMIT)), utc(now.minus(Duration.ofHours(1)))};
        Map<String, Object> status = new LinkedHashMap<>();
        for (String state : List.of("open", "submitted", "refused")) {
            status.put(state, 0);
        }
        jdbc.query("SELECT state, COUNT(*) AS hours FROM usage_hour WHERE hour_start > ? AND hour_start <= ?"
                + " AND state IN ('open', 'submitted', 'refused') GROUP BY state",
                rs -> {
                    status.put(rs.getString("state"), rs.getInt("hours"));
                }, window);
        List<Map<String, Object>> oldest = jdbc.query("SELECT * FROM usage_hour WHERE hour_start > ? AND hour_start <= ?"
                + " AND state IN ('open', 'submitted', 'refused')" + ORDER + " LIMIT 1", (rs, n) -> hour(rs), window);
        if (!oldest.isEmpty()) {
            Map<String, Object> hour = oldest.get(0);
            hour.put("ageSeconds", Duration.between(Instant.parse((String) hour.get("hourStart")), now).toSeconds());
            status.put("oldest", hour);
        }
        return status;
    }

    private static Object[] key(ResultSet rs) throws SQLException {
        return new Object[] {rs.getString("subscription_id"), rs.getString("plan_id"), rs.getString("dimension"),
                rs.getObject("hour_start", java.time.OffsetDateTime.class)};
    }

    /** The statement's arguments: {@code values}, then the hour's key (the WHERE clause {@link #KEY}). */
    private static Object[] withKey(Map<String, Object> usage, Object... values) {
        Object[] args = java.util.Arrays.copyOf(values, values.length + 4);
        args[values.length] = usage.get("subscriptionId");
        args[values.length + 1] = usage.get("planId");
        args[values.length + 2] = usage.get("dimension");
        args[values.length + 3] = utc(Instant.parse(String.valueOf(usage.get("hourStart"))));
        return args;
    }

    private static Map<String, Object> hour(ResultSet rs) throws SQLException {
        Map<String, Object> hour = new LinkedHashMap<>();
        hour.put("subscriptionId", rs.getString("subscription_id"));
        hour.put("planId", rs.getString("plan_id"));
        hour.put("dimension", rs.getString("dimension"));
        hour.put("hourStart", instant(rs, "hour_start").toString());
        hour.put("quantity", plain(rs.getBigDecimal("quantity")));
        hour.put("records", rs.getInt("records"));
        hour.put("state", rs.getString("state"));
        hour.put("batchId", rs.getString("batch_id"));
        hour.put("submittedAt", iso(rs, "submitted_at"));
        hour.put("attempts", rs.getInt("attempts"));
        hour.put("lastError", rs.getString("last_error"));
        hour.put("usageEventId", rs.getString("usage_event_id"));
        hour.put("microsoftStatus", rs.getString("microsoft_status"));
        hour.put("microsoftQuantity", plain(rs.getBigDecimal("microsoft_quantity")));
        hour.put("reportedAt", iso(rs, "reported_at"));
        hour.put("reason", rs.getString("reason"));
        hour.put("warning", rs.getString("warning"));
        return hour;
    }

    /** An exact quantity without trailing zeros or an exponent: {@code 12.5}, never {@code 12.500000} or {@code 1E+2}. */
    static BigDecimal plain(BigDecimal value) {
        if (value == null) {
            return null;
        }
        BigDecimal stripped = value.stripTrailingZeros();
        return stripped.scale() < 0 ? stripped.setScale(0) : stripped;
    }

    private static BigDecimal decimal(Object value) {
        return value == null ? null : value instanceof BigDecimal decimal ? decimal : new BigDecimal(value.toString());
    }

    private static Instant time(String value, String name, Instant fallback) {
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return java.time.OffsetDateTime.parse(value.trim()).toInstant();
        } catch (DateTimeParseException e) {
            throw new ProblemException(400, "'" + name + "' must be an ISO-8601 time with its offset, e.g. 2026-05-02T09:00:00Z.");
        }
    }

    private static String shorten(Object text) {
        String value = text == null ? null : text.toString();
        return value == null || value.length() <= MAX_ERROR_CHARS ? value : value.substring(0, MAX_ERROR_CHARS) + "…";
    }
}
