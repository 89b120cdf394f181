package io.marketplacebridge.metering;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * How the bridge takes usage in and reports it to Microsoft ({@code bridge.metering.*}; docs/architecture.md §14,
 * docs/marketplace-contract.md §7). Microsoft takes one event per subscription, dimension and hour, at most 24 hours
 * after the hour started.
 *
 * @param grace how long after an hour has closed its records may still arrive; the hour is reported after that
 * @param interval how often the report runs (and how much earlier than 24 hours a late record must come)
 * @param maxRecords the most records one list (a {@code POST /api/usage} or a queue message) may hold
 * @param warnAfter the age (from its start) at which a closed hour not yet reported is a warning in health
 * @param lease how long one report run holds the reporting lease without renewing it (once per batch); longer
 *        than one batch call takes ({@code bridge.marketplace.request-timeout})
 */
@Validated
@ConfigurationProperties("bridge.metering")
public record MeteringProperties(@NotNull Duration grace, @NotNull Duration interval, @Min(1) @Max(10_000) int maxRecords,
        @NotNull Duration warnAfter, @NotNull Duration lease) {
}
