package io.marketplacebridge.sandbox;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * One operation on a sandbox subscription (a change, a cancel, or an event started on Microsoft's side), and the
 * Update Operation calls it received. Guarded by {@link SandboxMarketplace}'s lock.
 */
final class SimulatedOperation {

    final String id = UUID.randomUUID().toString();
    final String activityId = UUID.randomUUID().toString();
    final String subscriptionId;
    final String offerId;
    final String planId;
    final Integer quantity;
    final String action;
    final String source;
    final String timeStamp;
    String status;
    /** For an operation the publisher started: when it settles, to what, and whether its webhook is still due. */
    java.time.Instant settleAt;
    String settleTo;
    boolean webhookDue;
    final List<Map<String, Object>> updates = new ArrayList<>();

    SimulatedOperation(SimulatedSubscription subscription, String action, String planId, Integer quantity,
            String status, String source, String timeStamp) {
        this.subscriptionId = subscription.id;
        this.offerId = subscription.offerId;
        this.action = action;
        this.planId = planId;
        this.quantity = quantity;
        this.status = status;
        this.source = source;
        this.timeStamp = timeStamp;
    }

    /** The operation as Get Operation (3.10) returns it. */
    Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("id", id);
        json.put("activityId", activityId);
        json.put("subscriptionId", subscriptionId);
        json.put("offerId", offerId);
        json.put("publisherId", SandboxMarketplace.PUBLISHER_ID);
        json.put("planId", planId);
        if (quantity != null) {
            json.put("quantity", quantity);
        }
        json.put("action", action);
        json.put("timeStamp", timeStamp);
        json.put("status", status);
        json.put("operationRequestSource", source);
        json.put("errorStatusCode", "");
        json.put("errorMessage", "");
        return json;
    }

    /** The operation with the Update Operation calls it received: the sandbox's view. */
    Map<String, Object> toView() {
        Map<String, Object> json = toJson();
        json.put("updates", List.copyOf(updates));
        return json;
    }
}
