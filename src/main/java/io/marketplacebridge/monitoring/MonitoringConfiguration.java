package io.marketplacebridge.monitoring;

import io.marketplacebridge.marketplace.MarketplaceTokenProvider;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import java.time.Duration;
import java.time.Instant;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Metrics read from beans that keep their own counts. */
@Configuration(proxyBeanMethods = false)
class MonitoringConfiguration {

    @Bean
    MeterBinder tokenFailures(MarketplaceTokenProvider tokens) {
        return registry -> FunctionCounter.builder("bridge.token.failures", tokens, MarketplaceTokenProvider::failures)
                .description("Entra ID token requests for the Fulfillment API that failed")
                .register(registry);
    }

    /**
     * Seconds until the app's certificate expires (negative once it has), for an alert well ahead of the day Entra
     * ID starts refusing it; NaN without a certificate (a secret or a static token), which no threshold matches.
     */
    @Bean
    MeterBinder certificateExpiry(MarketplaceTokenProvider tokens) {
        return registry -> Gauge.builder("bridge.marketplace.certificate.expiry.seconds", tokens,
                        provider -> provider.certificate() == null ? Double.NaN
                                : Duration.between(Instant.now(), provider.certificate().notAfter()).toSeconds())
                .description("Seconds until the Entra ID certificate of bridge.marketplace.auth.certificate-path expires")
                .register(registry);
    }
}
