package io.marketplacebridge.monitoring;

import io.marketplacebridge.marketplace.MarketplaceTokenProvider;
import io.micrometer.core.instrument.FunctionCounter;
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
}
