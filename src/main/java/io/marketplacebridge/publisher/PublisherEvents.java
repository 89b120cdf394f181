package io.marketplacebridge.publisher;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.camel.Header;
import org.apache.camel.Variable;
import org.springframework.stereotype.Component;

/** What the events of a publisher operation say (routes/publisher-operations.camel.yaml). */
@Component
public class PublisherEvents {

    /** The event of a succeeded operation: {@code PlanChanged}, {@code QuantityChanged} or {@code Unsubscribed}. */
    public String typeOfSuccess(@Variable("command") Map<String, Object> command) {
        return switch (String.valueOf(command.get("action"))) {
            case "ChangePlan" -> "PlanChanged";
            case "ChangeQuantity" -> "QuantityChanged";
            case "Unsubscribe" -> "Unsubscribed";
            default -> throw new IllegalArgumentException("No publisher operation " + command.get("action"));
        };
    }

    /**
     * The operation an {@code OperationFailed} event carries when Microsoft refused the request itself, so that no
     * operation of Microsoft's exists: the bridge's operation id stands in, with Microsoft's reason.
     */
    public Map<String, Object> refusedOperation(@Header("bridgeOperationId") String operationId,
            @Variable("command") Map<String, Object> command, @Variable("reason") String reason) {
        Map<String, Object> operation = new LinkedHashMap<>();
        operation.put("id", "refused:" + operationId);
        operation.put("subscriptionId", command.get("subscriptionId"));
        operation.put("action", command.get("action"));
        if (command.containsKey("planId")) {
            operation.put("planId", command.get("planId"));
        }
        if (command.containsKey("quantity")) {
            operation.put("quantity", command.get("quantity"));
        }
        operation.put("status", "Refused");
        operation.put("errorMessage", reason);
        operation.put("operationRequestSource", "Partner");
        return operation;
    }
}
