package io.marketplacebridge.monitoring;

import org.apache.camel.Header;
import org.slf4j.MDC;
import org.springframework.stereotype.Component;

/**
 * Puts the message being handled into the logging context (MDC), so every line a consumer logs for it carries
 * {@code eventId}, {@code subscriptionId}, {@code eventType} and {@code operationId} beside Camel's own
 * {@code camel.routeId} and {@code camel.exchangeId} ({@code camel.main.use-mdc-logging}): structured logs
 * ({@code logging.structured.format.console=ecs}) show them as fields. Called as each queue message arrives
 * (queue-consumer-errors); a key the message does not have is removed, so nothing carries over from the message
 * before on the same thread.
 */
@Component
public class LogContext {

    /** Sets the keys from the message's headers. */
    public void enter(@Header("bridgeEventId") String eventId, @Header("bridgeSubscriptionId") String subscriptionId,
            @Header("bridgeEventType") String eventType, @Header("bridgeOperationId") String operationId) {
        put("eventId", eventId);
        put("subscriptionId", subscriptionId);
        put("eventType", eventType);
        put("operationId", operationId);
    }

    private static void put(String key, String value) {
        if (value == null || value.isBlank()) {
            MDC.remove(key);
        } else {
            MDC.put(key, value);
        }
    }
}
