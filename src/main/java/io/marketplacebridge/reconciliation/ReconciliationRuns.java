package io.marketplacebridge.reconciliation;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.marketplacebridge.failure.TransientFailure;
import io.marketplacebridge.registry.StoreTimes;
import io.marketplacebridge.web.ProblemException;
import io.marketplacebridge.web.Problems;
import java.net.InetAddress;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.apache.camel.Variable;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The reconciliation runs in the store (tables {@code reconcile_run} and {@code reconcile_lease}), for
 * routes/reconciliation.camel.yaml: a run's row and report, written as the run goes; the lease that lets one
 * instance reconcile at a time, with its owner and expiry, taken and renewed by conditional updates; and the
 * schedule, claimed once per interval by whichever instance's timer finds it due. What
 * {@code GET /api/admin/reconcile/{runId}} and the health indicator show, whichever instance ran the run.
 */
@Component
public class ReconciliationRuns {

    private static final String LEASE = "reconciliation";
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() { };
    private static final int MAX_ERROR_CHARS = 500;

    private final JdbcTemplate jdbc;
    private final ObjectMapper json;
    private final ReconcileProperties properties;
    private final ReconciliationChecks checks;
    private final ReconciliationMetrics metrics;
    private final Clock clock;
    private final String instance;

    @Autowired
    public ReconciliationRuns(JdbcTemplate jdbc, ObjectMapper json, ReconcileProperties properties,
            ReconciliationChecks checks, ReconciliationMetrics metrics) {
        this(jdbc, json, properties, checks, metrics, Clock.systemUTC(), instanceName());
    }

    ReconciliationRuns(JdbcTemplate jdbc, ObjectMapper json, ReconcileProperties properties, ReconciliationChecks checks,
            ReconciliationMetrics metrics, Clock clock, String instance) {
        this.jdbc = jdbc;
        this.json = json;
        this.properties = properties;
        this.checks = checks;
        this.metrics = metrics;
        this.clock = clock;
        this.instance = instance;
        metrics.watchOverduePurchases(() -> overduePurchases().size());
    }

    /**
     * A run was queued: its row, {@code Queued} unless its consumer already started it. Answers the run as
     * {@code GET /api/admin/reconcile/{runId}} shows it.
     *
     * @param requestedBy {@code schedule} or {@code operator}
     */
    public Map<String, Object> requested(@Header("bridgeRunId") String runId, @Header("bridgeRequestedBy") String requestedBy) {
        insert(runId, requestedBy, "Queued", StoreTimes.now(clock));
        return view(runId);
    }

    /**
     * Whether this instance queues the scheduled run now: the first timer tick of any instance that finds the run
     * due claims it, and the next one is due one interval later (a tenth early, so ticks that drift keep the pace).
     */
    public boolean claimSchedule() {
        OffsetDateTime now = StoreTimes.now(clock);
        OffsetDateTime next = now.plus(properties.interval().multipliedBy(9).dividedBy(10));
        return jdbc.update("UPDATE reconcile_lease SET next_scheduled_at = ? WHERE lease_name = ?"
                + " AND (next_scheduled_at IS NULL OR next_scheduled_at <= ?)", next, LEASE, now) == 1;
    }

    /**
     * Starts an attempt of the run: takes the lease when it is free, expired, or held by this same run (a
     * redelivery after an attempt that failed or an instance that died), and goes on from the report of earlier
     * attempts. When another run holds the lease, the run is {@code Skipped} and does nothing.
     */
    public ReconciliationRun begin(@Header("bridgeRunId") String runId, @Header("bridgeRequestedBy") String requestedBy,
            @ExchangeProperty("bridgeAttempt") Integer deliveryCount) {
        int attempt = deliveryCount == null ? 1 : deliveryCount;
        OffsetDateTime now = StoreTimes.now(clock);
        insert(runId, requestedBy == null ? "operator" : requestedBy, "Running", now);
        int taken = jdbc.update("UPDATE reconcile_lease SET owner = ?, run_id = ?, expires_at = ? WHERE lease_name = ?"
                + " AND (owner IS NULL OR expires_at < ? OR run_id = ?)", instance, runId, now.plus(properties.lease()),
                LEASE, now, runId);
        if (taken == 0) {
            String holder = holder();
            jdbc.update("UPDATE reconcile_run SET status = 'Skipped', instance = ?, attempts = ?, started_at = ?,"
                    + " finished_at = ?, detail = ? WHERE run_id = ?", instance, attempt, now, now, holder, runId);
            return new ReconciliationRun(runId, attempt, properties.maxCalls(), now.toInstant(), holder, null);
        }
        jdbc.update("UPDATE reconcile_run SET status = 'Running', instance = ?, attempts = ?, started_at = COALESCE(started_at, ?),"
                + " finished_at = NULL WHERE run_id = ?", instance, attempt, now, runId);
        String report = jdbc.queryForObject("SELECT report FROM reconcile_run WHERE run_id = ?", String.class, runId);
        return new ReconciliationRun(runId, attempt, properties.maxCalls(), now.toInstant(), null, read(report));
    }

    /** Counts a call to Microsoft, and answers the pause to make before it ({@code bridge.reconcile.pace}, ms). */
    public long beforeCall(@Variable("run") ReconciliationRun run) {
        run.called();
        return properties.pace().toMillis();
    }

    /** One page of List Subscriptions arrived: where the next one is. Answers its subscriptions. */
    public List<Object> page(@Variable("run") ReconciliationRun run, @Body Map<String, Object> page) {
        Object next = page.get("nextLink");
        run.listed(next == null ? null : String.valueOf(next));
        return page.get("subscriptions") instanceof List<?> subscriptions ? new ArrayList<>(subscriptions) : List.of();
    }

    /**
     * The run reached a subscription: renews the lease and counts the subscription. A run that lost its lease (it
     * stalled beyond {@code bridge.reconcile.lease} and another instance took over) stops with a transient failure.
     */
    public void seen(@Variable("run") ReconciliationRun run) {
        OffsetDateTime now = StoreTimes.now(clock);
        int renewed = jdbc.update("UPDATE reconcile_lease SET expires_at = ? WHERE lease_name = ? AND owner = ? AND run_id = ?",
                now.plus(properties.lease()), LEASE, instance, run.getRunId());
        if (renewed == 0) {
            throw new TransientFailure("Reconciliation run " + run.getRunId() + " lost its lease: " + holder());
        }
        run.seen();
        metrics.seen();
    }

    /** The subscription differs from the state last published (variable {@code drift}): a Snapshot follows. */
    public void driftFound(@Variable("run") ReconciliationRun run, @Variable("subscription") Map<String, Object> subscription,
            @Variable("drift") Map<String, Object> drift) {
        Map<String, Object> finding = subscriptionFinding(subscription);
        finding.put("changes", drift);
        if (run.found(ReconciliationRun.DRIFT, id(subscription), finding)) {
            metrics.drift();
        }
        save(run, "Running", null);
    }

    /** A purchase nobody landed, which the registry never saw: Purchased follows. */
    public void purchaseFound(@Variable("run") ReconciliationRun run, @Variable("subscription") Map<String, Object> subscription) {
        Map<String, Object> finding = subscriptionFinding(subscription);
        finding.put("created", subscription.get("created"));
        if (run.found(ReconciliationRun.PURCHASES, id(subscription), finding)) {
            metrics.purchase();
        }
        save(run, "Running", null);
    }

    /**
     * A subscription still {@code PendingFulfillmentStart}, with its age; older than
     * {@code bridge.reconcile.pending-warning} it is a warning (Microsoft cancels it after 30 days, contract §4).
     */
    public void pendingPurchase(@Variable("run") ReconciliationRun run, @Variable("subscription") Map<String, Object> subscription) {
        Duration age = checks.pendingFor(subscription);
        Map<String, Object> finding = subscriptionFinding(subscription);
        finding.put("created", subscription.get("created"));
        finding.put("age", age == null ? null : age.withNanos(0).toString());
        finding.put("warning", age != null && age.compareTo(properties.pendingWarning()) >= 0);
        run.found(ReconciliationRun.PENDING, id(subscription), finding);
        save(run, "Running", null);
    }

    /** A Reinstate that waited for the publisher was acknowledged (variable {@code acknowledgement}). */
    public void acknowledged(@Variable("run") ReconciliationRun run, @Variable("operation") Map<String, Object> operation,
            @Variable("acknowledgement") String acknowledgement) {
        Map<String, Object> finding = operationFinding(operation);
        finding.put("answer", acknowledgement);
        run.found(ReconciliationRun.ACKNOWLEDGED, String.valueOf(operation.get("id")), finding);
        save(run, "Running", null);
    }

    /** A plan or quantity change still in progress after its 10-second window (variable {@code operationAge}, s). */
    public void changeReported(@Variable("run") ReconciliationRun run, @Variable("operation") Map<String, Object> operation,
            @Variable("operationAge") Long ageSeconds) {
        Map<String, Object> finding = operationFinding(operation);
        finding.put("status", operation.get("status"));
        finding.put("timeStamp", operation.get("timeStamp"));
        finding.put("ageSeconds", ageSeconds == null || ageSeconds == Long.MAX_VALUE ? null : ageSeconds);
        finding.put("operationRequestSource", operation.get("operationRequestSource"));
        run.found(ReconciliationRun.REPORTED, String.valueOf(operation.get("id")), finding);
        save(run, "Running", null);
    }

    /** A publisher operation left open was settled with Microsoft's outcome (variable {@code outcome}). */
    public void settled(@Variable("run") ReconciliationRun run, @Variable("record") Map<String, Object> record,
            @Variable("outcome") String outcome) {
        Map<String, Object> finding = new LinkedHashMap<>();
        finding.put("operationId", record.get("operationId"));
        finding.put("subscriptionId", record.get("subscriptionId"));
        finding.put("action", record.get("action"));
        finding.put("microsoftOperationId", record.get("microsoftOperationId"));
        finding.put("outcome", outcome);
        run.found(ReconciliationRun.SETTLED, String.valueOf(record.get("operationId")), finding);
        save(run, "Running", null);
    }

    /** A call for one subscription failed; the run records it and goes on with the next. */
    public void error(@Variable("run") ReconciliationRun run, @Header("bridgeSubscriptionId") String subscriptionId,
            @ExchangeProperty(Exchange.EXCEPTION_CAUGHT) Exception failure) {
        run.error(error(subscriptionId, failure));
        metrics.error();
        save(run, "Running", null);
    }

    /** The end of a page: the run's progress, so that a run in progress can be read. */
    public void flush(@Variable("run") ReconciliationRun run) {
        save(run, "Running", null);
    }

    /**
     * The run is done: {@code Completed}, or {@code Incomplete} when it made {@code bridge.reconcile.max-calls}
     * calls before the last page. The lease is free again.
     */
    public Map<String, Object> finish(@Variable("run") ReconciliationRun run) {
        boolean incomplete = run.morePages() || run.unfinished();
        String detail = incomplete ? "stopped after " + run.calls() + " calls (bridge.reconcile.max-calls): the"
                + " subscriptions after them wait for the next run" : null;
        end(run, incomplete ? "Incomplete" : "Completed", detail);
        return view(run.getRunId());
    }

    /** A subscription or operation the run did not reach: its calls were spent. */
    public void notReached(@Variable("run") ReconciliationRun run) {
        run.leftUnfinished();
    }

    /** This attempt failed and the broker tries the run again: the error is recorded, the lease kept for the run. */
    public void retrying(@Variable("run") ReconciliationRun run, @ExchangeProperty(Exchange.EXCEPTION_CAUGHT) Exception failure) {
        if (run == null) {
            return;
        }
        run.error(error(null, failure));
        metrics.error();
        save(run, "Running", "attempt " + run.attempt() + " failed, the run is tried again: " + message(failure));
    }

    /** The run failed for good (a permanent failure, or its last attempt) and is dead-lettered. */
    public void failed(@Variable("run") ReconciliationRun run, @ExchangeProperty(Exchange.EXCEPTION_CAUGHT) Exception failure) {
        run.error(error(null, failure));
        metrics.error();
        end(run, "Failed", message(failure));
    }

    /** {@code GET /api/admin/reconcile/{runId}}: the run, or a 400 or 404 problem. */
    public Map<String, Object> get(@Header("runId") String runId) {
        if (!Problems.isGuid(runId)) {
            throw new ProblemException(400, "The run id must be a GUID.");
        }
        Map<String, Object> run = view(runId.toLowerCase());
        if (run == null) {
            throw new ProblemException(404, "There is no reconciliation run " + runId + ".");
        }
        return run;
    }

    /** The last run that ended (skipped runs aside), as GET shows it, or null before the first. */
    public Map<String, Object> lastFinished() {
        List<String> ids = jdbc.queryForList("SELECT run_id FROM reconcile_run WHERE finished_at IS NOT NULL"
                + " AND status <> 'Skipped' ORDER BY finished_at DESC LIMIT 1", String.class);
        return ids.isEmpty() ? null : view(ids.get(0));
    }

    /** The purchases the last run found pending for longer than {@code bridge.reconcile.pending-warning}. */
    @SuppressWarnings("unchecked")
    public List<Map<String, Object>> overduePurchases() {
        Map<String, Object> last = lastFinished();
        if (last == null) {
            return List.of();
        }
        return ((List<Map<String, Object>>) last.get("pendingPurchases")).stream()
                .filter(pending -> Boolean.TRUE.equals(pending.get("warning"))).toList();
    }

    /** Who holds the lease now: {@code {owner, runId, expiresAt}}, or null when nobody does. */
    public Map<String, Object> leaseHolder() {
        return jdbc.query("SELECT * FROM reconcile_lease WHERE lease_name = ?", rs -> {
            if (!rs.next() || rs.getString("owner") == null) {
                return null;
            }
            OffsetDateTime expires = rs.getObject("expires_at", OffsetDateTime.class);
            if (expires == null || expires.isBefore(StoreTimes.now(clock))) {
                return null;
            }
            Map<String, Object> holder = new LinkedHashMap<>();
            holder.put("owner", rs.getString("owner"));
            holder.put("runId", rs.getString("run_id"));
            holder.put("expiresAt", expires.toInstant().toString());
            return holder;
        }, LEASE);
    }

    private void end(ReconciliationRun run, String status, String detail) {
        save(run, status, detail);
        jdbc.update("UPDATE reconcile_run SET finished_at = ? WHERE run_id = ?", StoreTimes.now(clock), run.getRunId());
        jdbc.update("UPDATE reconcile_lease SET owner = NULL, run_id = NULL, expires_at = NULL WHERE lease_name = ?"
                + " AND owner = ? AND run_id = ?", LEASE, instance, run.getRunId());
        metrics.finished(status, Duration.between(run.startedAt(), clock.instant()));
    }

    private void save(ReconciliationRun run, String status, String detail) {
        jdbc.update("UPDATE reconcile_run SET status = ?, subscriptions_seen = ?, calls = ?, report = ?,"
                + " detail = COALESCE(?, detail) WHERE run_id = ?", status, run.subscriptionsSeen(), run.calls(),
                write(run.report()), detail, run.getRunId());
    }

    private void insert(String runId, String requestedBy, String status, OffsetDateTime now) {
        try {
            jdbc.update("INSERT INTO reconcile_run (run_id, requested_by, status, attempts, requested_at, subscriptions_seen,"
                    + " calls) VALUES (?, ?, ?, 0, ?, 0, 0)", runId, requestedBy, status, now);
        } catch (DuplicateKeyException exists) {
            // Queued before, or started before its request was recorded: one row.
        }
    }

    private String holder() {
        Map<String, Object> holder = leaseHolder();
        return holder == null ? "the lease was taken meanwhile"
                : "run " + holder.get("runId") + " of " + holder.get("owner") + " holds the lease until " + holder.get("expiresAt");
    }

    private Map<String, Object> view(String runId) {
        List<Map<String, Object>> rows = jdbc.query("SELECT * FROM reconcile_run WHERE run_id = ?", (rs, n) -> row(rs), runId);
        return rows.isEmpty() ? null : rows.get(0);
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> row(ResultSet rs) throws SQLException {
        Map<String, Object> report = read(rs.getString("report"));
        Map<String, Object> run = new LinkedHashMap<>();
        String runId = rs.getString("run_id");
        String status = rs.getString("status");
        run.put("runId", runId);
        run.put("requestedBy", rs.getString("requested_by"));
        run.put("status", "Running".equals(status) && !holdsLease(runId) ? "Interrupted" : status);
        run.put("instance", rs.getString("instance"));
        run.put("attempts", rs.getInt("attempts"));
        run.put("requestedAt", StoreTimes.iso(rs, "requested_at"));
        run.put("startedAt", StoreTimes.iso(rs, "started_at"));
        run.put("finishedAt", StoreTimes.iso(rs, "finished_at"));
        run.put("calls", rs.getInt("calls"));
        run.put("subscriptionsSeen", rs.getInt("subscriptions_seen"));
        List<Object> drift = section(report, ReconciliationRun.DRIFT);
        run.put("driftFound", drift.size());
        run.put("drift", drift);
        List<Object> purchases = section(report, ReconciliationRun.PURCHASES);
        run.put("purchasesFound", purchases.size());
        run.put("purchases", purchases);
        List<Object> pending = section(report, ReconciliationRun.PENDING);
        run.put("pendingPurchases", pending);
        run.put("pendingWarnings", pending.stream().filter(p -> Boolean.TRUE.equals(((Map<String, Object>) p).get("warning"))).count());
        Map<String, Object> operations = new LinkedHashMap<>();
        operations.put("acknowledged", section(report, ReconciliationRun.ACKNOWLEDGED));
        operations.put("reported", section(report, ReconciliationRun.REPORTED));
        operations.put("settled", section(report, ReconciliationRun.SETTLED));
        run.put("operations", operations);
        List<Object> errors = report != null && report.get(ReconciliationRun.ERRORS) instanceof List<?> list
                ? new ArrayList<>(list) : List.of();
        run.put("errorCount", errors.size());
        run.put("errors", errors);
        run.put("detail", rs.getString("detail"));
        return run;
    }

    private boolean holdsLease(String runId) {
        Map<String, Object> holder = leaseHolder();
        return holder != null && runId.equals(holder.get("runId"));
    }

    private static List<Object> section(Map<String, Object> report, String section) {
        return report != null && report.get(section) instanceof Map<?, ?> entries ? new ArrayList<>(entries.values()) : List.of();
    }

    private static Map<String, Object> subscriptionFinding(Map<String, Object> subscription) {
        Map<String, Object> finding = new LinkedHashMap<>();
        finding.put("subscriptionId", id(subscription));
        finding.put("name", subscription.get("name"));
        finding.put("offerId", subscription.get("offerId"));
        finding.put("planId", subscription.get("planId"));
        finding.put("status", subscription.get("saasSubscriptionStatus") instanceof String status ? status.trim() : null);
        return finding;
    }

    private static Map<String, Object> operationFinding(Map<String, Object> operation) {
        Map<String, Object> finding = new LinkedHashMap<>();
        finding.put("operationId", operation.get("id"));
        finding.put("subscriptionId", operation.get("subscriptionId"));
        finding.put("action", operation.get("action"));
        return finding;
    }

    private Map<String, Object> error(String subscriptionId, Exception failure) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("at", clock.instant().toString());
        if (subscriptionId != null) {
            error.put("subscriptionId", subscriptionId);
        }
        error.put("message", message(failure));
        return error;
    }

    private static String message(Exception failure) {
        String message = failure == null ? "unknown" : failure.getMessage() == null ? failure.getClass().getSimpleName()
                : failure.getMessage().replaceAll("[\\r\\n]+", " ");
        return message.length() > MAX_ERROR_CHARS ? message.substring(0, MAX_ERROR_CHARS) + "…" : message;
    }

    private static String id(Map<String, Object> subscription) {
        return String.valueOf(subscription.get("id"));
    }

    private String write(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private Map<String, Object> read(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return json.readValue(text, MAP);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    /** This instance's name in the lease and the runs: the host and a random part, unique per start. */
    private static String instanceName() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception unknown) {
            host = "bridge";
        }
        return host + "/" + UUID.randomUUID().toString().substring(0, 8);
    }
}
