package io.marketplacebridge.broker;

import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.camel.Header;
import org.springframework.stereotype.Component;

/**
 * The attempts this bridge instance failed for each message being redelivered, and when the first one failed
 * (queue-consumer-errors). A failed attempt rolls back, so the message cannot carry them itself, and the broker's
 * delivery count ({@code JMSXDeliveryCount}) also counts deliveries the bridge never failed: a broker failover rolls
 * back every transaction in flight, a consumer that dies or fails over gives its messages back. The bridge's retry
 * budget ({@code bridge.broker.max-delivery-attempts}) counts the attempts that failed here; the broker's own limit
 * (four times as many) is the backstop for the rest. Kept in memory: after a restart, or when another instance takes
 * the redelivery, the count starts again at the first attempt that instance sees.
 */
@Component
public class FailureHistory {

    private static final int MAX_ENTRIES = 10_000;
    /** The format of {@code bridgeFailedAt}. */
    private static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX");

    private record Failed(Instant first, int attempts) {
    }

    private final Clock clock;
    private final Map<String, Failed> failures = new LinkedHashMap<>(256, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Failed> eldest) {
            return size() > MAX_ENTRIES;
        }
    };

    public FailureHistory() {
        this(Clock.systemDefaultZone());
    }

    FailureHistory(Clock clock) {
        this.clock = clock;
    }

    /**
     * The bridge's attempt this delivery is (1 for the first): one more than the attempts of the message that failed
     * here. A message without an id counts by the broker's delivery count.
     */
    public synchronized int attempt(@Header("JMSMessageID") String messageId,
            @Header("JMSXDeliveryCount") Integer deliveryCount) {
        if (messageId == null) {
            return deliveryCount == null || deliveryCount < 1 ? 1 : deliveryCount;
        }
        Failed failed = failures.get(messageId);
        return failed == null ? 1 : failed.attempts() + 1;
    }

    /** Notes a failed attempt that the broker will redeliver. */
    public synchronized void failed(@Header("JMSMessageID") String messageId) {
        if (messageId != null) {
            failures.merge(messageId, new Failed(clock.instant(), 1),
                    (earlier, now) -> new Failed(earlier.first(), earlier.attempts() + 1));
        }
    }

    /**
     * The first failure of a message that is being dead-lettered now (ISO-8601, like bridgeFailedAt), and forgets it:
     * {@code failedAt} itself when this is the first failure this instance saw.
     */
    public synchronized String deadLettered(@Header("JMSMessageID") String messageId, @Header("bridgeFailedAt") String failedAt) {
        Failed failed = messageId == null ? null : failures.remove(messageId);
        if (failed == null) {
            return failedAt != null ? failedAt : FORMAT.format(clock.instant().atZone(clock.getZone()));
        }
        return FORMAT.format(failed.first().atZone(clock.getZone()));
    }
}
