package io.marketplacebridge.reconciliation;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * How the bridge reconciles with Microsoft ({@code bridge.reconcile.*}, routes/reconciliation.camel.yaml).
 *
 * @param interval how often a scheduled run is queued (one per interval among all instances sharing the store), and
 *        the wait before the first; one number and unit ({@code 1h}, {@code 30m}), which Camel's timer reads too
 * @param pace the pause before each call a run makes to Microsoft, to stay well below its limits
 * @param maxCalls the most calls to Microsoft one run attempt makes; a run that reaches it ends {@code Incomplete}
 * @param pendingWarning the age from which a purchase still {@code PendingFulfillmentStart} is a warning in the run,
 *        in health and in a metric (Microsoft cancels a purchase not activated within 30 days)
 * @param lease how long a run holds the lease without renewing it; a run renews it at every subscription, so an
 *        instance that died gives the lease up after this long
 */
@Validated
@ConfigurationProperties("bridge.reconcile")
public record ReconcileProperties(@NotNull Duration interval, @NotNull Duration pace, @Min(1) int maxCalls,
        @NotNull Duration pendingWarning, @NotNull Duration lease) {
}
