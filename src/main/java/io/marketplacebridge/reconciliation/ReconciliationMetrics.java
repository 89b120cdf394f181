package io.marketplacebridge.reconciliation;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.function.Supplier;
import org.springframework.stereotype.Component;

/**
 * The reconciliation's metrics (Micrometer, at {@code /actuator/prometheus}): how long runs take, and what they
 * found. Counted by the instance that ran the run; a finding a re-run of the same run makes again is not counted twice.
 */
@Component
public class ReconciliationMetrics {

    private final MeterRegistry registry;
    private final Counter subscriptions;
    private final Counter drift;
    private final Counter purchases;
    private final Counter errors;

    public ReconciliationMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.subscriptions = Counter.builder("bridge.reconciliation.subscriptions")
                .description("Subscriptions that reconciliation runs read from Microsoft").register(registry);
        this.drift = Counter.builder("bridge.reconciliation.drift")
                .description("Subscriptions whose state at Microsoft differed from the last one published (Snapshot)")
                .register(registry);
        this.purchases = Counter.builder("bridge.reconciliation.purchases")
                .description("Purchases nobody landed, found and published as Purchased").register(registry);
        this.errors = Counter.builder("bridge.reconciliation.errors")
                .description("Failed calls and failed run attempts").register(registry);
    }

    void seen() {
        subscriptions.increment();
    }

    void drift() {
        drift.increment();
    }

    void purchase() {
        purchases.increment();
    }

    void error() {
        errors.increment();
    }

    /** One run ended, with its status ({@code Completed}, {@code Incomplete}, {@code Failed}). */
    void finished(String status, Duration duration) {
        Timer.builder("bridge.reconciliation.duration").description("How long reconciliation runs take")
                .tag("status", status).register(registry).record(duration);
    }

    /** The purchases the last run found pending for longer than {@code bridge.reconcile.pending-warning}. */
    void watchOverduePurchases(Supplier<Number> overdue) {
        Gauge.builder("bridge.reconciliation.pending.overdue", overdue)
                .description("Purchases still PendingFulfillmentStart past bridge.reconcile.pending-warning (last run)")
                .register(registry);
    }
}
