package io.marketplacebridge.failure;

import io.marketplacebridge.broker.BrokerProperties;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.springframework.stereotype.Component;

/**
 * Turns what a downstream system answered into the bridge's {@link Failure} vocabulary, for the delivery routes and
 * the dead-letter policy. Which answer counts as delivered is the route's choice; this bean only says how a failed
 * one is retried.
 */
@Component
public class Failures {

    private static final int MAX_DETAIL_CHARS = 500;

    private final int maxDeliveryAttempts;

    public Failures(BrokerProperties broker) {
        this.maxDeliveryAttempts = broker.maxDeliveryAttempts();
    }

    /**
     * Whether a failed message goes to its dead-letter queue now: its failure is permanent, or this was its last
     * failed attempt ({@code bridge.broker.max-delivery-attempts}).
     *
     * @param attempt the bridge's attempt this is (1 for the first; FailureHistory counts them)
     */
    public boolean deadLetterNow(@ExchangeProperty(Exchange.EXCEPTION_CAUGHT) Exception failure,
            @ExchangeProperty("bridgeAttempt") Integer attempt) {
        Failure known = Failure.in(failure);
        return known != null && known.isPermanent() || attempt != null && attempt >= maxDeliveryAttempts;
    }

    /**
     * Throws the failure a non-2xx answer of a downstream system means (Failure.ofHttpStatus: 408, 429, 5xx and a
     * refused login are transient, any other 4xx is permanent), with the system's Retry-After and the start of its
     * body.
     *
     * @param system the system, which is also the name of its queue ({@code billing})
     */
    public void raiseForAnswer(@ExchangeProperty("bridgeQueue") String system,
            @Header(Exchange.HTTP_RESPONSE_CODE) Integer status, @Header("Retry-After") String retryAfter,
            @Header("bridgeEventType") String eventType, @Body String body) {
        String detail = body == null ? "" : body.replaceAll("[\\r\\n]+", " ").trim();
        if (detail.length() > MAX_DETAIL_CHARS) {
            detail = detail.substring(0, MAX_DETAIL_CHARS) + "…";
        }
        throw Failure.ofHttpStatus(system, "delivery of " + eventType, status == null ? 0 : status,
                RetryAfter.parse(retryAfter), detail);
    }

    /** {@code permanent} or {@code transient}: how the dead-lettering policy judged the failure. */
    public String kind(@ExchangeProperty(Exchange.EXCEPTION_CAUGHT) Exception failure) {
        Failure known = Failure.in(failure);
        return known != null && known.isPermanent() ? "permanent" : "transient";
    }
}
