package io.marketplacebridge.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import org.apache.camel.Body;
import org.apache.camel.Header;
import org.springframework.stereotype.Component;

/**
 * Writes the audit line of an event (routes/deliver-audit.camel.yaml): one compact JSON object, whatever the shape
 * of the event's JSON, so that the file stays one event per line for {@code jq} and {@code grep}.
 */
@Component
public class AuditLog {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Clock clock;

    public AuditLog() {
        this(Clock.systemUTC());
    }

    AuditLog(Clock clock) {
        this.clock = clock;
    }

    /**
     * {@code {"recordedAt", "eventId", "eventType", "subscriptionId", "correlationId", "event"}} and a newline; an
     * event that is not JSON is kept as a string.
     */
    public String line(@Body String event, @Header("bridgeEventId") String eventId, @Header("bridgeEventType") String eventType,
            @Header("bridgeSubscriptionId") String subscriptionId, @Header("bridgeCorrelationId") String correlationId)
            throws JsonProcessingException {
        ObjectNode line = JSON.createObjectNode();
        line.put("recordedAt", clock.instant().toString());
        line.put("eventId", eventId);
        line.put("eventType", eventType);
        line.put("subscriptionId", subscriptionId);
        line.put("correlationId", correlationId);
        line.set("event", parse(event));
        return JSON.writeValueAsString(line) + "\n";
    }

    private static JsonNode parse(String event) {
        if (event == null || event.isBlank()) {
            return JSON.getNodeFactory().textNode(event);
        }
        try {
            return JSON.readTree(event);
        } catch (JsonProcessingException notJson) {
            return JSON.getNodeFactory().textNode(event);
        }
    }
}
