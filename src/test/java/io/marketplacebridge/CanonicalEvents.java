package io.marketplacebridge;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.marketplacebridge.event.SubscriptionEventMapper;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.camel.ProducerTemplate;

/**
 * Publishes events as the webhook flow does, for the delivery tests that need many events fast: the real mapper
 * makes the event from an operation and a subscription as Microsoft returns them, and the real building block
 * (routes/events.camel.yaml, {@code direct:events-publish}) puts it on {@code marketplace.events}. A change of the
 * event's shape or of its headers therefore reaches these tests too.
 */
public final class CanonicalEvents {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SubscriptionEventMapper MAPPER = new SubscriptionEventMapper();

    private CanonicalEvents() {
    }

    /** Publishes the event of operation {@code eventId} of a subscription as {@link BridgeTest#subscriptionJson} describes it. */
    public static void publish(ProducerTemplate producer, String eventId, String type, String subscriptionJson, String subscriptionId) {
        Map<String, Object> subscription = read(subscriptionJson);
        Map<String, Object> operation = new LinkedHashMap<>();
        operation.put("id", eventId);
        operation.put("subscriptionId", subscriptionId);
        operation.put("action", type);
        operation.put("status", "Succeeded");
        Map<String, Object> event = MAPPER.fromOperation(operation, subscription, type, "c-" + eventId);
        Exception failure = producer.send("direct:events-publish", exchange -> exchange.setVariable("event", event)).getException();
        if (failure != null) {
            throw new IllegalStateException("Publishing " + eventId + " failed", failure);
        }
    }

    /** Publishes an event of a Subscribed {@code basic} × 10 subscription with purchaser and beneficiary in tenant-a. */
    public static void publish(ProducerTemplate producer, String eventId, String type, String subscriptionId) {
        publish(producer, eventId, type, BridgeTest.subscriptionJson(subscriptionId, "Subscribed", "basic", 10, "tenant-a", "tenant-a"),
                subscriptionId);
    }

    private static Map<String, Object> read(String json) {
        try {
            return JSON.readValue(json, new TypeReference<>() { });
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }
}
