package io.marketplacebridge.publisher;

import io.marketplacebridge.registry.StoreTimes;
import io.marketplacebridge.web.ProblemException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.camel.Header;
import org.apache.camel.Variable;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The operations the publisher started, in the store (table {@code publisher_operation}): what was asked, Microsoft's
 * operation and its {@code Operation-Location}, how far it got, how often it was polled and the last error. What
 * {@code GET /api/operations/{id}} shows, also after a restart.
 */
@Component
public class OperationRecords {

    /** Statuses of an operation that is not settled yet. */
    static final Set<String> OPEN = Set.of("Accepted", "InProgress", "Open");

    private final JdbcTemplate jdbc;
    private final Clock clock;

    @Autowired
    public OperationRecords(JdbcTemplate jdbc) {
        this(jdbc, Clock.systemUTC());
    }

    OperationRecords(JdbcTemplate jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    /** Records a new operation, status {@code Accepted}, and answers it with its fresh id. */
    public Map<String, Object> create(@Variable("command") Map<String, Object> command) {
        String operationId = UUID.randomUUID().toString();
        OffsetDateTime now = StoreTimes.now(clock);
        jdbc.update("INSERT INTO publisher_operation (operation_id, subscription_id, action, requested_value, status,"
                + " attempts, created_at, updated_at) VALUES (?, ?, ?, ?, 'Accepted', 0, ?, ?)", operationId,
                command.get("subscriptionId"), command.get("action"), requested(command), now, now);
        command.put("operationId", operationId);
        return find(operationId);
    }

    /** The operation, or a 404 problem. */
    public Map<String, Object> get(@Header("id") String operationId) {
        if (operationId == null || !operationId.matches("[0-9a-fA-F-]{36}")) {
            throw new ProblemException(400, "The operation id must be a GUID.");
        }
        Map<String, Object> operation = find(operationId.toLowerCase());
        if (operation == null) {
            throw new ProblemException(404, "There is no operation " + operationId + ".");
        }
        return operation;
    }

    /** The operation, or null. */
    public Map<String, Object> find(String operationId) {
        List<Map<String, Object>> rows = jdbc.query("SELECT * FROM publisher_operation WHERE operation_id = ?",
                (rs, n) -> row(rs), operationId);
        return rows.isEmpty() ? null : rows.get(0);
    }

    /** The subscription's operations that are not settled, oldest first. */
    public List<Map<String, Object>> openFor(@Header("bridgeSubscriptionId") String subscriptionId) {
        return jdbc.query("SELECT * FROM publisher_operation WHERE subscription_id = ? AND status IN ('Accepted',"
                + " 'InProgress', 'Open') ORDER BY created_at", (rs, n) -> row(rs), subscriptionId);
    }

    /** What {@link #sending} leaves in {@code lastError} until Microsoft's answer is recorded. */
    static final String SENT = "Sent to Microsoft; its answer is not recorded yet";

    /**
     * The request is about to go to Microsoft: recorded first, as a batch of usage hours is, so that a later attempt
     * knows an earlier one may have reached Microsoft (its answer lost to a crash, a reset or a time-out).
     *
     * @return whether an earlier attempt had already sent it
     */
    public boolean sending(@Header("bridgeOperationId") String operationId) {
        boolean sentBefore = SENT.equals(jdbc.queryForObject("SELECT last_error FROM publisher_operation WHERE operation_id = ?",
                String.class, operationId));
        jdbc.update("UPDATE publisher_operation SET last_error = ?, updated_at = ? WHERE operation_id = ?", SENT,
                StoreTimes.now(clock), operationId);
        return sentBefore;
    }

    /** Microsoft took the operation: its operation id and location, status {@code InProgress}. */
    public void submitted(@Header("bridgeOperationId") String operationId, @Variable("started") Map<String, Object> started) {
        jdbc.update("UPDATE publisher_operation SET microsoft_operation_id = ?, operation_location = ?, status = 'InProgress',"
                + " last_error = NULL, updated_at = ? WHERE operation_id = ?", started.get("microsoftOperationId"),
                started.get("operationLocation"), StoreTimes.now(clock), operationId);
    }

    /** One poll found the operation still running: counts it, with what it saw, and answers the polls so far. */
    public int polled(@Header("bridgeOperationId") String operationId, @Variable("pollError") String error) {
        jdbc.update("UPDATE publisher_operation SET attempts = attempts + 1, last_error = ?, updated_at = ? WHERE operation_id = ?",
                error, StoreTimes.now(clock), operationId);
        Integer attempts = jdbc.queryForObject("SELECT attempts FROM publisher_operation WHERE operation_id = ?",
                Integer.class, operationId);
        return attempts == null ? 0 : attempts;
    }

    /**
     * The operation is settled, or left open: {@code Succeeded}, {@code Failed}, {@code Conflict}, {@code Refused}
     * (Microsoft refused the request) or {@code Open} (polling ran out of budget; reconciliation settles it).
     */
    public void settle(@Header("bridgeOperationId") String operationId, @Variable("outcome") String status,
            @Variable("reason") String reason) {
        jdbc.update("UPDATE publisher_operation SET status = ?, last_error = COALESCE(?, last_error), updated_at = ?"
                + " WHERE operation_id = ?", status, reason, StoreTimes.now(clock), operationId);
    }

    /** A webhook saw the Microsoft operation settle: the publisher operation it belongs to, if any, is settled too. */
    public void settledByMicrosoft(@Header("bridgeOperationId") String microsoftOperationId,
            @Variable("operation") Map<String, Object> operation) {
        Object status = operation.get("status");
        if ("Succeeded".equals(status) || "Failed".equals(status) || "Conflict".equals(status)) {
            jdbc.update("UPDATE publisher_operation SET status = ?, updated_at = ? WHERE microsoft_operation_id = ?"
                    + " AND status IN ('Accepted', 'InProgress', 'Open')", status, StoreTimes.now(clock), microsoftOperationId);
        }
    }

    /**
     * The operations whose polls ran out while Microsoft still had them running (status {@code Open}), oldest first:
     * what reconciliation settles.
     */
    public List<Map<String, Object>> leftOpen() {
        return jdbc.query("SELECT * FROM publisher_operation WHERE status = 'Open' ORDER BY created_at", (rs, n) -> row(rs));
    }

    private static String requested(Map<String, Object> command) {
        Object value = command.containsKey("planId") ? command.get("planId") : command.get("quantity");
        return value == null ? null : String.valueOf(value);
    }

    private static Map<String, Object> row(ResultSet rs) throws SQLException {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("operationId", rs.getString("operation_id"));
        row.put("subscriptionId", rs.getString("subscription_id"));
        row.put("action", rs.getString("action"));
        row.put("requested", rs.getString("requested_value"));
        row.put("status", rs.getString("status"));
        row.put("microsoftOperationId", rs.getString("microsoft_operation_id"));
        row.put("operationLocation", rs.getString("operation_location"));
        row.put("attempts", rs.getInt("attempts"));
        row.put("lastError", rs.getString("last_error"));
        row.put("createdAt", StoreTimes.iso(rs, "created_at"));
        row.put("updatedAt", StoreTimes.iso(rs, "updated_at"));
        return row;
    }
}
