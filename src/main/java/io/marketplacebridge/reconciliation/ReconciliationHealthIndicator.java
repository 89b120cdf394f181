package io.marketplacebridge.reconciliation;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * Health component {@code reconciliation}: the last run (when, and how it ended), the run in progress, and, as a
 * warning, the purchases the last run found pending for longer than {@code bridge.reconcile.pending-warning}. Always
 * {@code UP}: a run that failed or a purchase nobody activated is for an operator to look at, not a reason for a
 * load balancer to take the instance out. Read from the store, so every instance shows the same.
 */
@Component
public class ReconciliationHealthIndicator implements HealthIndicator {

    private final ReconciliationRuns runs;

    public ReconciliationHealthIndicator(ReconciliationRuns runs) {
        this.runs = runs;
    }

    @Override
    public Health health() {
        Health.Builder health = Health.up();
        Map<String, Object> last = runs.lastFinished();
        if (last == null) {
            health.withDetail("lastRun", "none yet");
        } else {
            Map<String, Object> summary = new LinkedHashMap<>();
            for (String key : List.of("runId", "status", "startedAt", "finishedAt", "subscriptionsSeen", "driftFound",
                    "purchasesFound", "errorCount", "detail")) {
                if (last.get(key) != null) {
                    summary.put(key, last.get(key));
                }
            }
            health.withDetail("lastRun", summary);
        }
        Map<String, Object> running = runs.leaseHolder();
        if (running != null) {
            health.withDetail("running", running);
        }
        List<Map<String, Object>> overdue = runs.overduePurchases();
        if (!overdue.isEmpty()) {
            health.withDetail("warning", overdue.size() + " purchase(s) still PendingFulfillmentStart past"
                    + " bridge.reconcile.pending-warning: activate or cancel them before Microsoft cancels them");
            health.withDetail("overduePurchases", overdue);
        }
        return health.build();
    }
}
