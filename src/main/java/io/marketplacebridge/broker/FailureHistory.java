package io.marketplacebridge.broker;

import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.camel.Header;
import org.springframework.stereotype.Component;

/**
 * When each message being redelivered first failed, for the {@code bridgeFirstFailedAt} reason of its dead letter
 * (queue-consumer-errors). A failed attempt rolls back, so the message cannot carry the time itself, and Artemis
 * keeps a delivery count but no times. This instance remembers them in memory: after a restart, or when another
 * bridge instance took the redelivery, the first failure recorded is the first one this instance saw.
 */
@Component
public class FailureHistory {

    private static final int MAX_ENTRIES = 10_000;
    /** The format of {@code bridgeFailedAt}. */
    private static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX");

    private final Clock clock;
    private final Map<String, Instant> firstFailures = new LinkedHashMap<>(256, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Instant> eldest) {
            return size() > MAX_ENTRIES;
        }
    };

    public FailureHistory() {
        this(Clock.systemDefaultZone());
    }

    FailureHistory(Clock clock) {
        this.clock = clock;
    }

    /** Notes a failed attempt that the broker will redeliver. */
    public synchronized void failed(@Header("JMSMessageID") String messageId) {
        if (messageId != null) {
            firstFailures.putIfAbsent(messageId, clock.instant());
        }
    }

    /**
     * The first failure of a message that is being dead-lettered now (ISO-8601, like bridgeFailedAt), and forgets it:
     * {@code failedAt} itself when this is the first failure this instance saw.
     */
    public synchronized String deadLettered(@Header("JMSMessageID") String messageId, @Header("bridgeFailedAt") String failedAt) {
        Instant first = messageId == null ? null : firstFailures.remove(messageId);
        if (first == null) {
            return failedAt != null ? failedAt : FORMAT.format(clock.instant().atZone(clock.getZone()));
        }
        return FORMAT.format(first.atZone(clock.getZone()));
    }
}
