package io.marketplacebridge.marketplace;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.marketplacebridge.marketplace.FulfillmentApi.RetryPolicy;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The two Fulfillment API clients the flows call by name: {@code fulfillmentApi} for queue consumers, which never
 * retries (the broker redelivers), and {@code interactiveFulfillmentApi} for callers that wait for the answer (the
 * buyer on the landing page, the tenant-ready callback), which retries safe calls within
 * {@code bridge.marketplace.interactive-budget}.
 */
@Configuration(proxyBeanMethods = false)
class FulfillmentApiConfiguration {

    @Bean
    FulfillmentApi fulfillmentApi(MarketplaceProperties properties, MarketplaceTokenProvider tokens, ObjectMapper json,
            MeterRegistry meters) {
        return new FulfillmentApi(properties, tokens, json, RetryPolicy.none(), Clock.systemUTC(), meters);
    }

    @Bean
    FulfillmentApi interactiveFulfillmentApi(MarketplaceProperties properties, MarketplaceTokenProvider tokens,
            ObjectMapper json, MeterRegistry meters) {
        RetryPolicy waiting = new RetryPolicy("interactive", properties.maxRetries(), properties.retryBackoff(),
                properties.interactiveBudget());
        return new FulfillmentApi(properties, tokens, json, waiting, Clock.systemUTC(), meters);
    }
}
