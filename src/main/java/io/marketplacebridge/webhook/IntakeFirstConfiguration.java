package io.marketplacebridge.webhook;

import org.apache.camel.spi.RoutePolicy;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** {@link IntakeFirst}'s two route policies, by the names the routes give in {@code routePolicy}. */
@Configuration(proxyBeanMethods = false)
public class IntakeFirstConfiguration {

    /** On {@code webhook-intake}. */
    @Bean
    RoutePolicy webhookIntakeLoad(IntakeFirst intakeFirst) {
        return intakeFirst.webhookIntakeLoad();
    }

    /** On the routes of the in-order queues: webhook processing and each system's delivery. */
    @Bean
    RoutePolicy yieldToIntake(IntakeFirst intakeFirst) {
        return intakeFirst.yieldToIntake();
    }
}
