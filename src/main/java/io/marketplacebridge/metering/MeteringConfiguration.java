package io.marketplacebridge.metering;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Clock;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Metering's wiring: the clock that decides which hours are closed, due or too old ({@code meteringClock}; tests
 * replace it to move time), and the metric {@code bridge.metering.oldest.unreported.seconds}.
 */
@Configuration(proxyBeanMethods = false)
class MeteringConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(MeteringConfiguration.class);

    @Bean
    Clock meteringClock() {
        return Clock.systemUTC();
    }

    /**
     * The age, from its start, of the oldest closed hour of the last 24 hours that Microsoft does not have yet (0 when
     * there is none): an alert well below 86400 catches an hour before Microsoft refuses it as expired.
     */
    @Bean
    MeterBinder meteringOldestUnreported(UsageHours hours) {
        return registry -> Gauge.builder("bridge.metering.oldest.unreported.seconds", hours, MeteringConfiguration::oldestAge)
                .description("Age of the oldest closed usage hour not yet reported to Microsoft (it refuses hours older than 24 h)")
                .baseUnit("seconds")
                .register(registry);
    }

    private static double oldestAge(UsageHours hours) {
        try {
            Object oldest = hours.unreported().get("oldest");
            return oldest instanceof Map<?, ?> hour ? ((Number) hour.get("ageSeconds")).doubleValue() : 0;
        } catch (RuntimeException storeDown) {
            LOG.debug("Metering metric not read: {}", storeDown.getMessage());
            return Double.NaN;
        }
    }
}
