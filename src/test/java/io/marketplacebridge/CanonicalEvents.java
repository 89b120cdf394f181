package io.marketplacebridge;

import java.util.Map;
import org.apache.camel.ProducerTemplate;

/**
 * Publishes canonical events on {@code marketplace.events} as the intake flows do (same headers, grouped by
 * subscription), for the delivery tests that need many events fast or a shape no flow makes yet.
 */
public final class CanonicalEvents {

    private CanonicalEvents() {
    }

    /** Publishes one event of a subscription as {@link BridgeTest#subscriptionJson} describes it. */
    public static void publish(ProducerTemplate producer, String eventId, String type, String subscriptionJson, String subscriptionId) {
        String event = """
                {"eventId":"%s","type":"%s","source":"webhook","occurredAt":"2026-11-01T10:00:00Z","correlationId":"c-%s","subscription":%s}
                """.formatted(eventId, type, eventId, subscriptionJson).trim();
        producer.sendBodyAndHeaders("jms:topic:marketplace.events", event, Map.of(
                "bridgeEventId", eventId,
                "bridgeEventType", type,
                "bridgeSubscriptionId", subscriptionId,
                "bridgeCorrelationId", "c-" + eventId,
                "JMSXGroupID", subscriptionId));
    }

    /** Publishes an event of a Subscribed {@code basic} × 10 subscription with purchaser and beneficiary in tenant-a. */
    public static void publish(ProducerTemplate producer, String eventId, String type, String subscriptionId) {
        publish(producer, eventId, type, BridgeTest.subscriptionJson(subscriptionId, "Subscribed", "basic", 10, "tenant-a", "tenant-a"),
                subscriptionId);
    }
}
