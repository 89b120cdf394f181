package io.marketplacebridge.event;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.camel.Body;
import org.apache.camel.Header;
import org.apache.camel.Variable;
import org.springframework.stereotype.Component;

/**
 * Builds the canonical {@code SubscriptionEvent} (docs/architecture.md "Canonical event") from what the Fulfillment API
 * returned. The event id is deterministic, so a replay or a duplicate never makes a second side effect.
 */
@Component
public class SubscriptionEventMapper {

    private final Clock clock;

    public SubscriptionEventMapper() {
        this(Clock.systemUTC());
    }

    SubscriptionEventMapper(Clock clock) {
        this.clock = clock;
    }

    /**
     * {@code Purchased}, from a resolved landing token and the subscription it names, with the user who signed in on
     * the landing page ({@code signedInUser}: name, email, tenantId, objectId), when someone did.
     */
    public Map<String, Object> purchased(@Variable("subscription") Map<String, Object> subscription,
            @Variable("signedInUser") Map<String, Object> signedInUser, @Header("bridgeCorrelationId") String correlationId) {
        Map<String, Object> event = event("purchase:" + subscription.get("id"), "Purchased", "landing", subscription, null,
                correlationId);
        if (signedInUser != null && !signedInUser.isEmpty()) {
            event.put("signedInUser", signedInUser);
        }
        return event;
    }

    /** {@code Activated}, once Microsoft accepted the activation of the subscription. */
    public Map<String, Object> activated(@Variable("subscription") Map<String, Object> subscription,
            @Header("bridgeCorrelationId") String correlationId) {
        return event("activated:" + subscription.get("id"), "Activated", "publisher", subscription, null, correlationId);
    }

    /** The activation command for a subscription whose tenant is ready: the purchased plan and quantity. */
    public Map<String, Object> activationCommand(@Body Map<String, Object> event) {
        @SuppressWarnings("unchecked")
        Map<String, Object> command = activationCommandFor((Map<String, Object>) event.get("subscription"));
        command.put("causedBy", event.get("eventId"));
        return command;
    }

    /** The activation command for a subscription read from the Fulfillment API (the "tenant ready" callback). */
    public Map<String, Object> activationCommandFor(@Variable("subscription") Map<String, Object> subscription) {
        Map<String, Object> normalized = normalize(subscription);
        Map<String, Object> command = new LinkedHashMap<>();
        command.put("command", "Activate");
        command.put("subscriptionId", normalized.get("id"));
        command.put("planId", normalized.get("planId"));
        command.put("quantity", normalized.get("quantity"));
        return command;
    }

    /**
     * The body of Activate (3.2): the purchased plan, and the quantity only for per-seat plans (Microsoft refuses a
     * quantity that differs from the purchase).
     */
    public Map<String, Object> activationBody(@Variable("command") Map<String, Object> command) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("planId", command.get("planId"));
        if (command.get("quantity") != null) {
            body.put("quantity", command.get("quantity"));
        }
        return body;
    }

    /**
     * The event of a webhook operation, as Get Operation and Get Subscription describe it: the operation id is the
     * event id, so a redelivery or a second notification never makes a second side effect.
     *
     * @param type what happened: {@code PlanChanged}, {@code QuantityChanged}, {@code ChangeRejected},
     *        {@code Reinstated}, {@code Suspended}, {@code Renewed}, {@code Unsubscribed} or {@code Unrecognized}
     */
    public Map<String, Object> fromOperation(@Variable("operation") Map<String, Object> operation,
            @Variable("subscription") Map<String, Object> subscription, @Variable("eventType") String type,
            @Header("bridgeCorrelationId") String correlationId) {
        return event(String.valueOf(operation.get("id")), type, "webhook", subscription, operation, correlationId);
    }

    /**
     * The event of an operation the publisher started and Microsoft settled (source {@code publisher}): Microsoft's
     * operation id is the event id, the same one its confirming webhook carries, so only one of the two is published.
     *
     * @param type {@code PlanChanged}, {@code QuantityChanged}, {@code Unsubscribed} or {@code OperationFailed}
     */
    public Map<String, Object> fromPublisherOperation(@Variable("operation") Map<String, Object> operation,
            @Variable("subscription") Map<String, Object> subscription, @Variable("eventType") String type,
            @Header("bridgeCorrelationId") String correlationId) {
        return event(String.valueOf(operation.get("id")), type, "publisher", subscription, operation, correlationId);
    }

    /**
     * {@code UsageReported} (source {@code metering}): Microsoft has one hour of one dimension's usage. The event id
     * names the subscription, dimension and hour, which Microsoft takes once, so a batch sent again publishes nothing
     * new. It carries the subscription as the registry last published it, and the hour: {@code usage} with
     * {@code planId}, {@code dimension}, {@code hourStart}, {@code quantity}, Microsoft's {@code usageEventId} and
     * {@code status} ({@code Accepted}, or {@code Duplicate} with {@code microsoftQuantity} when Microsoft had it
     * already).
     */
    public Map<String, Object> usageReported(@Variable("subscription") Map<String, Object> subscription,
            @Variable("usage") Map<String, Object> usage, @Header("bridgeCorrelationId") String correlationId) {
        Map<String, Object> reported = new LinkedHashMap<>();
        for (String field : java.util.List.of("subscriptionId", "planId", "dimension", "hourStart", "quantity", "usageEventId",
                "status", "microsoftQuantity", "batchId")) {
            if (usage.get(field) != null) {
                reported.put(field, usage.get(field));
            }
        }
        Map<String, Object> known = subscription != null ? subscription : Map.of("id", usage.get("subscriptionId"));
        Map<String, Object> event = event("usage:" + usage.get("subscriptionId") + ":" + usage.get("dimension") + ":"
                + usage.get("hourStart"), "UsageReported", "metering", known, null, correlationId);
        event.put("usage", reported);
        return event;
    }

    /**
     * The events of a purchase Microsoft activated itself (webhook action {@code Subscribe}, source {@code webhook}):
     * {@code Purchased} with the landing page's id {@code purchase:<subscriptionId>}, so a buyer who opens the landing
     * page later publishes nothing new, and {@code Activated} with the activation flow's id
     * {@code activated:<subscriptionId>}.
     *
     * @param type {@code Purchased} or {@code Activated}
     * @param operation Microsoft's {@code Subscribe} operation; empty when Get Operation does not know it
     */
    public Map<String, Object> fromSubscribe(@Variable("eventType") String type,
            @Variable("subscription") Map<String, Object> subscription, @Variable("operation") Map<String, Object> operation,
            @Header("bridgeCorrelationId") String correlationId) {
        String prefix = switch (type) {
            case "Purchased" -> "purchase:";
            case "Activated" -> "activated:";
            default -> throw new IllegalArgumentException("A Subscribe notification makes Purchased and Activated, not " + type);
        };
        return event(prefix + subscription.get("id"), type, "webhook", subscription,
                operation == null || operation.isEmpty() ? null : operation, correlationId);
    }

    /**
     * The events of a reconciliation run (source {@code reconciliation}), each with an id a re-run of the same run
     * repeats: {@code Snapshot} of a subscription whose state differs from the last one published,
     * {@code snapshot:<runId>:<subscriptionId>}; {@code Purchased} of a purchase nobody landed,
     * {@code purchase:<subscriptionId>} as the landing page's; the event of an outstanding operation the run settled
     * ({@code Reinstated}), Microsoft's operation id as the webhook's.
     */
    public Map<String, Object> fromReconciliation(@Variable("eventType") String type, @Variable("runId") String runId,
            @Variable("subscription") Map<String, Object> subscription, @Variable("operation") Map<String, Object> operation,
            @Header("bridgeCorrelationId") String correlationId) {
        return switch (type) {
            case "Snapshot" -> event("snapshot:" + runId + ":" + subscription.get("id"), type, "reconciliation",
                    subscription, null, correlationId);
            case "Purchased" -> event("purchase:" + subscription.get("id"), type, "reconciliation", subscription, null,
                    correlationId);
            default -> event(String.valueOf(operation.get("id")), type, "reconciliation", subscription, operation,
                    correlationId);
        };
    }

    Map<String, Object> event(String eventId, String type, String source, Map<String, Object> subscription,
            Map<String, Object> operation, String correlationId) {
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("eventId", eventId);
        event.put("type", type);
        event.put("source", source);
        event.put("occurredAt", clock.instant().toString());
        event.put("correlationId", correlationId);
        event.put("subscription", normalize(subscription));
        if (operation != null) {
            event.put("operation", operation);
        }
        return event;
    }

    /**
     * Microsoft's samples disagree on some fields: status padded with spaces, quantity as a number, a numeric
     * string or {@code ""}. The canonical event carries a trimmed status and a number or no quantity.
     */
    public static Map<String, Object> normalize(Map<String, Object> subscription) {
        Map<String, Object> copy = new LinkedHashMap<>(subscription);
        if (copy.get("saasSubscriptionStatus") instanceof String status) {
            copy.put("saasSubscriptionStatus", status.trim());
        }
        Object quantity = copy.get("quantity");
        if (quantity instanceof String text) {
            if (text.isBlank()) {
                copy.remove("quantity");
            } else {
                try {
                    copy.put("quantity", Long.parseLong(text.trim()));
                } catch (NumberFormatException e) {
                    copy.remove("quantity");
                }
            }
        }
        return copy;
    }
}
