package io.marketplacebridge.metering;

import java.time.Duration;
import java.util.Map;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * Health component {@code metering}: UP with how many closed hours of the last 24 are still open, submitted or
 * refused, and the oldest of them. When that one is {@code bridge.metering.warn-after} old or older, a
 * {@code warning} says so: Microsoft refuses an hour 24 hours after it started (docs/marketplace-contract.md §7.2), so
 * the hour needs attention (Microsoft unreachable, a dead letter in {@code DLQ.marketplace.usage}) before then. It stays
 * UP: the bridge's other flows work, and a load balancer must not take it out for this.
 */
@Component
public class MeteringHealthIndicator implements HealthIndicator {

    private final UsageHours hours;
    private final MeteringProperties properties;

    public MeteringHealthIndicator(UsageHours hours, MeteringProperties properties) {
        this.hours = hours;
        this.properties = properties;
    }

    @Override
    public Health health() {
        Map<String, Object> unreported = hours.unreported();
        Health.Builder health = Health.up()
                .withDetail("openHours", unreported.get("open"))
                .withDetail("submittedHours", unreported.get("submitted"))
                .withDetail("refusedHours", unreported.get("refused"));
        if (unreported.get("oldest") instanceof Map<?, ?> oldest) {
            long age = ((Number) oldest.get("ageSeconds")).longValue();
            health.withDetail("oldestUnreported", oldest);
            if (age >= properties.warnAfter().toSeconds()) {
                Duration left = Duration.ofHours(24).minusSeconds(age);
                health.withDetail("warning", "Hour " + oldest.get("hourStart") + " of dimension " + oldest.get("dimension")
                        + " of subscription " + oldest.get("subscriptionId") + " is " + oldest.get("state") + ", not reported,"
                        + " after " + Duration.ofSeconds(age).toMinutes() + " minutes: Microsoft refuses it in "
                        + Math.max(0, left.toMinutes()) + " minutes (see GET /api/subscriptions/" + oldest.get("subscriptionId")
                        + "/usage and the dead letters of marketplace.usage)");
            }
        }
        return health.build();
    }
}
