package io.marketplacebridge.publisher;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * How the bridge follows an operation the publisher started ({@code bridge.operations.*}): Microsoft's operation
 * can take minutes, so its {@code Operation-Location} is polled with a growing interval, a bounded number of times.
 *
 * @param pollInterval the wait before the first poll; doubles per poll
 * @param maxPollInterval the longest wait between two polls
 * @param maxPolls polls before the operation is left {@code Open} for reconciliation to settle
 */
@Validated
@ConfigurationProperties("bridge.operations")
public record OperationsProperties(@NotNull Duration pollInterval, @NotNull Duration maxPollInterval, @Min(1) int maxPolls) {
}
