package io.marketplacebridge.broker;

import io.marketplacebridge.failure.Failure;
import java.time.Duration;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.springframework.stereotype.Component;

/**
 * How long a queue consumer waits after a failed attempt before it rolls the message back for the next one:
 * {@code bridge.broker.redelivery-delay}, times {@code redelivery-multiplier} per further attempt, or longer when the
 * failed system asked for it ({@code Retry-After}), and at most {@code max-redelivery-delay}. The consumer waits
 * rather than the broker so that the message keeps its place at the head of the queue and the later messages of its
 * subscription stay behind it.
 */
@Component
public class RedeliveryBackoff {

    private final BrokerProperties broker;

    public RedeliveryBackoff(BrokerProperties broker) {
        this.broker = broker;
    }

    /** The wait after failed attempt {@code attempt} (1 for the first delivery) that failed with {@code failure}. */
    public long millis(@ExchangeProperty("bridgeAttempt") Integer attempt,
            @ExchangeProperty(Exchange.EXCEPTION_CAUGHT) Exception failure) {
        return after(attempt, failure, broker.redeliveryDelay(), broker.redeliveryMultiplier(), broker.maxRedeliveryDelay());
    }

    /**
     * The wait after failed attempt {@code attempt} (1 for the first): {@code first}, times {@code multiplier} per
     * further attempt, or the failure's {@code Retry-After} when longer, and at most {@code max} (the queue consumers'
     * back-off above, and the acknowledgement lane's).
     */
    public static long after(Integer attempt, Exception failure, Duration first, double multiplier, Duration max) {
        int failed = attempt == null || attempt < 1 ? 1 : attempt;
        double delay = first.toMillis() * Math.pow(multiplier, failed - 1);
        Failure known = Failure.in(failure);
        if (known != null && known.getRetryAfter() != null) {
            delay = Math.max(delay, known.getRetryAfter().toMillis());
        }
        return (long) Math.min(delay, max.toMillis());
    }
}
