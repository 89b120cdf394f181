package io.marketplacebridge.webhook;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * The acknowledgement lane ({@code bridge.webhook.acknowledgement.*}; docs/architecture.md "The acknowledgement lane").
 *
 * @param consumers concurrent consumers of {@code marketplace.acknowledgements}; each waits on Microsoft and the
 *        decision endpoint, so there are more of them than of the in-order consumers
 * @param claim how long a claim on an operation's answer holds without a decision before the other side may take it
 *        over (its holder died or its call failed); a little longer than Microsoft's 10-second window
 * @param retryBackoff the lane's wait after its first failed attempt, doubled per further attempt (longer when
 *        Microsoft's Retry-After asks for it); the lane tries again while another attempt can end inside the window
 * @param attemptTime how long the lane reckons one more attempt takes (Get Operation, the decision, Update
 *        Operation), to tell whether it still ends inside the window
 */
@Validated
@ConfigurationProperties("bridge.webhook.acknowledgement")
public record AcknowledgementProperties(@Min(1) int consumers, @NotNull Duration claim, @NotNull Duration retryBackoff,
        @NotNull Duration attemptTime) {
}
