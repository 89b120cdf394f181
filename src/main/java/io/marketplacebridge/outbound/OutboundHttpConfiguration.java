package io.marketplacebridge.outbound;

import org.apache.camel.component.http.HttpComponent;
import org.apache.camel.http.base.HttpHeaderFilterStrategy;
import org.apache.camel.spi.ComponentCustomizer;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Applies the same timeouts and header policy to every outbound HTTP call, {@code http:} and {@code https:}
 * alike (the starter's {@code camel.component.http.*} reaches only the {@code http} component).
 */
@Configuration(proxyBeanMethods = false)
class OutboundHttpConfiguration {

    @Bean
    ComponentCustomizer outboundHttpCustomizer(
            @Value("${camel.component.http.connect-timeout}") long connectTimeout,
            @Value("${camel.component.http.connection-request-timeout}") long connectionRequestTimeout,
            @Value("${camel.component.http.response-timeout}") long responseTimeout,
            @Value("${camel.component.http.so-timeout}") long soTimeout) {
        return ComponentCustomizer.builder(HttpComponent.class).build(component -> {
            component.setConnectTimeout(connectTimeout);
            component.setConnectionRequestTimeout(connectionRequestTimeout);
            component.setResponseTimeout(responseTimeout);
            component.setSoTimeout(soTimeout);
            component.setHeaderFilterStrategy(outboundHeaderFilter());
            // HttpClient would repeat a 429/503 once on its own, POSTs included; the flows decide what is retried.
            component.setAutomaticRetriesDisabled(true);
        });
    }

    /**
     * Our own headers ({@code bridge*}), broker headers and Camel's stay inside the bridge; only the headers a
     * route sets for the call (Authorization, Idempotency-Key, x-ms-*) leave it.
     */
    static HttpHeaderFilterStrategy outboundHeaderFilter() {
        HttpHeaderFilterStrategy filter = new HttpHeaderFilterStrategy();
        filter.setOutFilterStartsWith("Camel", "camel", "org.apache.camel", "bridge", "JMS", "_AMQ", "__AMQ");
        filter.getOutFilter().add("breadcrumbId");
        return filter;
    }
}
