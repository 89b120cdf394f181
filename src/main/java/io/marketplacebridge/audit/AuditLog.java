package io.marketplacebridge.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import org.apache.camel.Body;
import org.apache.camel.Header;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Writes the audit line of an event (routes/deliver-audit.camel.yaml): one compact JSON object, whatever the shape
 * of the event's JSON, so that the file stays one event per line for {@code jq} and {@code grep}.
 */
@Component
public class AuditLog {

    private final ObjectMapper json;

    private final Clock clock;

    @Autowired
    public AuditLog(ObjectMapper json) {
        this(json, Clock.systemUTC());
    }

    AuditLog(ObjectMapper json, Clock clock) {
        this.json = json;
        this.clock = clock;
    }

    /**
     * {@code {"recordedAt", "eventId", "eventType", "subscriptionId", "correlationId", "event"}} and a newline; an
     * event that is not JSON is kept as a string.
     */
    public String line(@Body String event, @Header("bridgeEventId") String eventId, @Header("bridgeEventType") String eventType,
            @Header("bridgeSubscriptionId") String subscriptionId, @Header("bridgeCorrelationId") String correlationId)
            throws JsonProcessingException {
        ObjectNode line = json.createObjectNode();
        line.put("recordedAt", clock.instant().toString());
        line.put("eventId", eventId);
        line.put("eventType", eventType);
        line.put("subscriptionId", subscriptionId);
        line.put("correlationId", correlationId);
        line.set("event", parse(event));
        return json.writeValueAsString(line) + "\n";
    }

    private JsonNode parse(String event) {
        if (event == null || event.isBlank()) {
            return json.getNodeFactory().textNode(event);
        }
        try {
            return json.readTree(event);
        } catch (JsonProcessingException notJson) {
            return json.getNodeFactory().textNode(event);
        }
    }
}
