package io.marketplacebridge.webhook;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * The webhook's answer first ({@code bridge.webhook.intake-first.*}; docs/architecture.md "The webhook's answer
 * first", {@link IntakeFirst}).
 *
 * @param busyAt webhook requests in the intake at once from which the intake counts as busy: requests are queueing
 *        for the CPU the processing uses; 0 switches the yielding off
 * @param processingWhileBusy how many messages of the in-order queues (processing and the deliveries) are worked on
 *        at once while the intake is busy; the others wait before they start. The processing never stops: these go
 *        on, and the acknowledgement lane is never held back
 * @param hold how long the intake still counts as busy after its requests fell below {@code busyAt}
 */
@Validated
@ConfigurationProperties("bridge.webhook.intake-first")
public record IntakeFirstProperties(@Min(0) int busyAt, @Min(1) int processingWhileBusy, @NotNull Duration hold) {
}
