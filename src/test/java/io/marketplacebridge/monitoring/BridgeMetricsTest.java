package io.marketplacebridge.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.marketplacebridge.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** bridge_acknowledgement_seconds and _late_total time the changes Microsoft gives 10 seconds, and only those. */
class BridgeMetricsTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T10:00:00Z"));
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final BridgeMetrics metrics = new BridgeMetrics(registry, null, clock);

    @Test
    void aChangeAnsweredAfterTenSecondsIsLateAndAReinstateIsNotTimedAgainstTheWindow() {
        long receivedAt = clock.millis();
        clock.advance(Duration.ofSeconds(3));
        metrics.acknowledged(receivedAt, "ChangePlan");
        clock.advance(Duration.ofSeconds(9));
        metrics.acknowledged(receivedAt, "ChangeQuantity");
        metrics.acknowledged(receivedAt, "Reinstate");

        assertThat(registry.get("bridge.acknowledgement").timer().count()).isEqualTo(2);
        assertThat(registry.get("bridge.acknowledgement.late").counter().count()).isEqualTo(1.0);
    }
}
