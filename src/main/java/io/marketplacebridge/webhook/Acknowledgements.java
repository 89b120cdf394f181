package io.marketplacebridge.webhook;

import static io.marketplacebridge.registry.StoreTimes.utc;
import io.marketplacebridge.broker.RedeliveryBackoff;
import io.marketplacebridge.failure.Failure;
import io.marketplacebridge.failure.TransientFailure;
import io.marketplacebridge.monitoring.BridgeMetrics;
import io.marketplacebridge.registry.StoreWrites;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.apache.camel.Variable;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Who answers a ChangePlan or ChangeQuantity that awaits the publisher (table {@code acknowledgement}, V4;
 * docs/architecture.md "The acknowledgement lane"). The acknowledgement lane and the in-order processing both meet
 * the operation; the first to claim it asks the decision endpoint and PATCHes, and records the decision, which the
 * other then uses. Each claim, decision and release commits on its own, outside the consumer's transaction (through
 * the registry's group commit, {@link StoreWrites}), so the other side sees a claim once it is returned.
 */
@Component
public class Acknowledgements {

    private static final long POLL_MILLIS = 25;

    private final JdbcTemplate jdbc;
    private final StoreWrites writes;
    private final AcknowledgementProperties properties;
    private final Clock clock = Clock.systemUTC();

    public Acknowledgements(JdbcTemplate jdbc, StoreWrites writes, AcknowledgementProperties properties) {
        this.jdbc = jdbc;
        this.writes = writes;
        this.properties = properties;
    }

    /**
     * Claims the answer to operation {@code operationId} for {@code route} (the consuming route's id): true when this
     * exchange is to decide and PATCH it, false when the other side holds a live claim or has decided.
     */
    public boolean claim(@Header("bridgeOperationId") String operationId,
            @Header("bridgeSubscriptionId") String subscriptionId,
            Exchange exchange) {
        String route = exchange.getFromRouteId();
        Instant now = clock.instant();
        return writes.commit(() -> {
            if (jdbc.update("INSERT INTO acknowledgement (operation_id, subscription_id, claimed_by, claimed_at)"
                    + " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING", operationId, subscriptionId, route, utc(now)) == 1) {
                return true;
            }
            // A claim left without a decision past its time is taken over. So is one this route left itself: only a
            // redelivery of the same message meets it (its attempt failed), which need not wait for the claim to
            // expire, past Microsoft's window and holding its consumer.
            return jdbc.update("UPDATE acknowledgement SET claimed_by = ?, claimed_at = ? WHERE operation_id = ?"
                    + " AND decision IS NULL AND (claimed_at < ? OR claimed_by = ?)", route, utc(now), operationId,
                    utc(now.minus(properties.claim())), route) == 1;
        });
    }

    /**
     * Records the decision given ({@code Success} or {@code Failure}). A 409 from Microsoft (a newer update settled
     * the operation) is final and counts as given, as webhook-processing-acknowledge logs it.
     */
    public void record(@Header("bridgeOperationId") String operationId, @Variable("decision") String decision) {
        Instant now = clock.instant();
        writes.commit(() -> jdbc.update("UPDATE acknowledgement SET decision = ?, decided_at = ? WHERE operation_id = ?",
                decision, utc(now), operationId));
    }

    /** Gives back an undecided claim this exchange's route holds on {@code operationId} (its answer failed). */
    public void release(@Header("bridgeOperationId") String operationId, Exchange exchange) {
        if (operationId != null) {
            String route = exchange.getFromRouteId();
            writes.commit(() -> jdbc.update("DELETE FROM acknowledgement WHERE operation_id = ? AND decision IS NULL"
                    + " AND claimed_by = ?", operationId, route));
        }
    }

    /**
     * The decision the other side gave for {@code operationId}, waited for while its claim is live (the lane answers
     * within Microsoft's window). A transient failure when the claim expired undecided or was given back (the next
     * attempt answers it).
     */
    public String awaitDecision(@Header("bridgeOperationId") String operationId) throws InterruptedException {
        while (true) {
            List<Claim> claims = jdbc.query("SELECT decision, claimed_at FROM acknowledgement WHERE operation_id = ?",
                    (rs, row) -> new Claim(rs.getString("decision"), rs.getObject("claimed_at", OffsetDateTime.class).toInstant()), operationId);
            if (claims.isEmpty()) {
                throw new TransientFailure("Operation " + operationId + " has no claimed answer: tried again");
            }
            Claim claim = claims.get(0);
            if (claim.decision() != null) {
                return claim.decision();
            }
            if (!claim.claimedAt().plus(properties.claim()).isAfter(clock.instant())) {
                throw new TransientFailure("The answer to operation " + operationId + " was claimed at "
                        + claim.claimedAt() + " and never given: the next attempt answers it");
            }
            Thread.sleep(POLL_MILLIS);
        }
    }

    /**
     * Whether the acknowledgement lane gives up a failed attempt (policy acknowledgement-lane-errors) and leaves the
     * operation to webhook-processing: the failure is permanent, or the next attempt would not end inside Microsoft's
     * window (from the webhook's 200, {@code bridgeReceivedAt}). Otherwise the lane waits
     * {@link #backoff the back-off} and its message is delivered again at once, to Get Operation (which re-reads
     * what Microsoft has) and answer again.
     */
    public boolean giveUp(@ExchangeProperty(Exchange.EXCEPTION_CAUGHT) Exception failure,
            @ExchangeProperty("bridgeReceivedAt") Long receivedAt, @ExchangeProperty("bridgeAttempt") Integer attempt) {
        Failure known = Failure.in(failure);
        if (known != null && known.isPermanent() || receivedAt == null) {
            return true;
        }
        Instant nextEnds = clock.instant().plusMillis(backoff(failure, attempt)).plus(properties.attemptTime());
        return nextEnds.isAfter(Instant.ofEpochMilli(receivedAt).plus(BridgeMetrics.ACKNOWLEDGEMENT_WINDOW));
    }

    /**
     * The lane's wait after failed attempt {@code attempt} (1 for the first): {@code retry-backoff}, doubled per
     * further attempt, or the {@code Retry-After} Microsoft asked for when longer; never longer than the window,
     * past which the lane gives up anyway.
     */
    public long backoff(@ExchangeProperty(Exchange.EXCEPTION_CAUGHT) Exception failure,
            @ExchangeProperty("bridgeAttempt") Integer attempt) {
        return RedeliveryBackoff.after(attempt, failure, properties.retryBackoff(), 2.0, BridgeMetrics.ACKNOWLEDGEMENT_WINDOW);
    }

    private record Claim(String decision, Instant claimedAt) {
    }
}
