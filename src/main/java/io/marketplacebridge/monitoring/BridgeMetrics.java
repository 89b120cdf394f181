package io.marketplacebridge.monitoring;

import io.marketplacebridge.broker.BrokerManagement;
import io.marketplacebridge.broker.BrokerTopology;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.camel.Header;
import org.apache.camel.Variable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * The bridge's own metrics, beside Camel's route metrics (camel-micrometer) in {@code /actuator/prometheus}:
 * <ul>
 * <li>{@code bridge_dead_letters{queue}}: the depth of each dead-letter queue (the broker's own count, read at most
 * every 15 seconds);</li>
 * <li>{@code bridge_acknowledgement_seconds}: from the webhook's {@code 200} to the acknowledgement of a plan or
 * quantity change, against Microsoft's 10-second window, and {@code bridge_acknowledgement_late_total} past it.</li>
 * </ul>
 * Events published and delivered ({@code bridge_events_published_total}, {@code bridge_deliveries_total}) are counted
 * by the registry as it records them; Fulfillment API calls ({@code bridge_fulfillment_calls_seconds}) and token
 * failures ({@code bridge_token_failures_total}) by the client.
 */
@Component
public class BridgeMetrics {

    /** Microsoft accepts a change by silence after this long (docs/marketplace-contract.md §5). */
    public static final Duration ACKNOWLEDGEMENT_WINDOW = Duration.ofSeconds(10);
    private static final Logger LOG = LoggerFactory.getLogger(BridgeMetrics.class);
    private static final Duration COUNT_EVERY = Duration.ofSeconds(15);

    private final BrokerManagement broker;
    private final Clock clock;
    private final Timer acknowledgements;
    private final Counter late;
    private final Map<String, Long> deadLetters = new ConcurrentHashMap<>();
    private volatile Instant countedAt = Instant.EPOCH;

    @Autowired
    public BridgeMetrics(MeterRegistry registry, BrokerManagement broker) {
        this(registry, broker, Clock.systemUTC());
    }

    BridgeMetrics(MeterRegistry registry, BrokerManagement broker, Clock clock) {
        this.broker = broker;
        this.clock = clock;
        this.acknowledgements = Timer.builder("bridge.acknowledgement")
                .description("From the webhook's 200 to the acknowledgement of a plan or quantity change")
                .publishPercentileHistogram()
                .serviceLevelObjectives(Duration.ofSeconds(2), Duration.ofSeconds(5), ACKNOWLEDGEMENT_WINDOW)
                .register(registry);
        this.late = Counter.builder("bridge.acknowledgement.late")
                .description("Acknowledgements sent after Microsoft's 10-second window (Microsoft had accepted by silence)")
                .register(registry);
        for (String queue : BrokerTopology.consumedQueues()) {
            Gauge.builder("bridge.dead.letters", () -> deadLetterCount(queue))
                    .description("Messages in the dead-letter queue of a consumed queue")
                    .tag("queue", queue)
                    .register(registry);
        }
    }

    /**
     * Records an acknowledgement sent now for a notification the webhook took at {@code receivedAt} (epoch ms). Only
     * a plan or quantity change has Microsoft's 10-second window; a {@code Reinstate} is acknowledged once service is
     * back, with no deadline, and is not timed here.
     */
    public void acknowledged(@Header("bridgeReceivedAt") Long receivedAt, @Variable("action") String action) {
        if (receivedAt == null || !"ChangePlan".equals(action) && !"ChangeQuantity".equals(action)) {
            return;
        }
        Duration latency = Duration.between(Instant.ofEpochMilli(receivedAt), clock.instant());
        acknowledgements.record(latency);
        if (latency.compareTo(ACKNOWLEDGEMENT_WINDOW) > 0) {
            late.increment();
            LOG.warn("Acknowledged {} ms after the webhook's 200: past Microsoft's 10-second window", latency.toMillis());
        }
    }

    private double deadLetterCount(String queue) {
        refreshCounts();
        return deadLetters.getOrDefault(queue, -1L);
    }

    private synchronized void refreshCounts() {
        if (clock.instant().isBefore(countedAt.plus(COUNT_EVERY))) {
            return;
        }
        countedAt = clock.instant();
        try {
            Map<String, Long> counts = broker.messageCounts(BrokerTopology.consumedQueues().stream()
                    .map(queue -> BrokerTopology.DEAD_LETTER_PREFIX + queue).toList());
            counts.forEach((deadLetterQueue, count) -> deadLetters.put(deadLetterQueue.substring(
                    BrokerTopology.DEAD_LETTER_PREFIX.length()), count));
        } catch (Exception e) {
            LOG.debug("Dead-letter counts unavailable: {}", e.getMessage());
        }
    }
}
