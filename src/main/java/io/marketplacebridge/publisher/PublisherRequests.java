package io.marketplacebridge.publisher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.marketplacebridge.event.SubscriptionEventMapper;
import io.marketplacebridge.web.ProblemException;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.camel.Body;
import org.apache.camel.Header;
import org.apache.camel.Variable;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Checks a change the publisher asks for (routes/publisher-operations.camel.yaml) before anything goes to Microsoft
 * (docs/marketplace-contract.md §3.6-§3.8), and says when to poll its operation next. Refused at once, with a problem:
 * a body that is not what the call takes, a subscription that is not {@code Subscribed} or whose customer may not
 * change it, a plan List Available Plans does not offer, a quantity out of the plan's range, the value it already
 * has, or another operation of the publisher still open.
 */
@Component
public class PublisherRequests {

    private final ObjectMapper json;
    private final OperationsProperties properties;
    private final Clock clock;

    @Autowired
    public PublisherRequests(ObjectMapper json, OperationsProperties properties) {
        this(json, properties, Clock.systemUTC());
    }

    PublisherRequests(ObjectMapper json, OperationsProperties properties, Clock clock) {
        this.json = json;
        this.properties = properties;
        this.clock = clock;
    }

    /**
     * Refuses a change of a subscription that is not {@code Subscribed}, whose customer may not change it, or that has
     * another publisher operation open ({@code 409}), before its plans are read.
     */
    public void requireChangeable(@Header("bridgeSubscriptionId") String subscriptionId, @Variable("action") String action,
            @Variable("subscription") Map<String, Object> subscription, @Variable("open") List<Map<String, Object>> open) {
        Map<String, Object> current = SubscriptionEventMapper.normalize(subscription);
        if (!"Subscribed".equals(current.get("saasSubscriptionStatus"))) {
            throw new ProblemException(409, "Subscription " + subscriptionId + " is " + current.get("saasSubscriptionStatus")
                    + ": only a Subscribed subscription can be changed or cancelled.");
        }
        String needed = "Unsubscribe".equals(action) ? "Delete" : "Update";
        if (current.get("allowedCustomerOperations") instanceof List<?> allowed && !allowed.contains(needed)) {
            throw new ProblemException(409, "Microsoft does not allow " + needed + " on subscription " + subscriptionId
                    + " (allowed: " + allowed + "; a reseller's customer may only read it).");
        }
        if (open != null && !open.isEmpty()) {
            throw new ProblemException(409, "Operation " + open.get(0).get("operationId") + " (" + open.get(0).get("action")
                    + ") of subscription " + subscriptionId + " is still " + open.get(0).get("status")
                    + ": wait for it, see GET /api/operations/" + open.get(0).get("operationId") + ".");
        }
    }

    /**
     * The command of a valid request: {@code {action, subscriptionId, planId | quantity}}.
     *
     * @param action {@code ChangePlan}, {@code ChangeQuantity} or {@code Unsubscribe}
     * @param subscription the subscription as Get Subscription answered now
     * @param plans List Available Plans' answer (not read for a cancel)
     */
    public Map<String, Object> command(@Header("bridgeSubscriptionId") String subscriptionId,
            @Variable("action") String action, @Body String body, @Variable("subscription") Map<String, Object> subscription,
            @Variable("plans") Map<String, Object> plans) {
        Map<String, Object> current = SubscriptionEventMapper.normalize(subscription);
        Map<String, Object> command = new LinkedHashMap<>();
        command.put("action", action);
        command.put("subscriptionId", subscriptionId);
        switch (action) {
            case "ChangePlan" -> command.put("planId", planOf(body, current, plans));
            case "ChangeQuantity" -> command.put("quantity", quantityOf(body, current, plans));
            case "Unsubscribe" -> { }
            default -> throw new IllegalArgumentException("No publisher operation " + action);
        }
        return command;
    }

    /**
     * Whether the subscription, as Get Subscription answers now, already shows what the command asks for (the plan,
     * the quantity, or {@code Unsubscribed}): Microsoft took an earlier request whose answer the bridge never got.
     */
    public boolean madeAlready(@Variable("command") Map<String, Object> command, @Variable("subscription") Map<String, Object> subscription) {
        Map<String, Object> current = SubscriptionEventMapper.normalize(subscription);
        return switch (String.valueOf(command.get("action"))) {
            case "ChangePlan" -> String.valueOf(command.get("planId")).equals(String.valueOf(current.get("planId")));
            case "ChangeQuantity" -> current.get("quantity") != null
                    && String.valueOf(command.get("quantity")).equals(String.valueOf(current.get("quantity")));
            case "Unsubscribe" -> "Unsubscribed".equals(current.get("saasSubscriptionStatus"));
            default -> false;
        };
    }

    /**
     * The id of an operation Microsoft lists as outstanding (List Outstanding Operations, in the body) that makes
     * the change the command asks for, still {@code NotStarted} or {@code InProgress}: the one an earlier attempt
     * started, whose answer the bridge never got. Null when there is none.
     */
    public String pendingAtMicrosoft(@Variable("command") Map<String, Object> command, @Body Map<String, Object> outstanding) {
        if (!(outstanding.get("operations") instanceof List<?> operations)) {
            return null;
        }
        String action = String.valueOf(command.get("action"));
        for (Object item : operations) {
            if (item instanceof Map<?, ?> operation && action.equals(String.valueOf(operation.get("action")))
                    && List.of("NotStarted", "InProgress").contains(String.valueOf(operation.get("status")))
                    && switch (action) {
                        case "ChangePlan" -> String.valueOf(command.get("planId")).equals(String.valueOf(operation.get("planId")));
                        case "ChangeQuantity" -> String.valueOf(command.get("quantity")).equals(String.valueOf(operation.get("quantity")));
                        default -> true;
                    }) {
                return String.valueOf(operation.get("id"));
            }
        }
        return null;
    }

    /** When the poll after {@code polls} earlier polls is due: epoch milliseconds for Artemis's scheduled delivery. */
    public long nextPollAt(@Variable("polls") Integer polls) {
        int done = polls == null ? 0 : Math.max(0, polls);
        long wait = properties.pollInterval().toMillis() << Math.min(done, 16);
        return Instant.now(clock).toEpochMilli() + Math.min(wait, properties.maxPollInterval().toMillis());
    }

    /** Whether another poll is allowed after {@code polls} polls. */
    public boolean mayPollAgain(@Variable("polls") Integer polls) {
        return (polls == null ? 0 : polls) < properties.maxPolls();
    }

    private String planOf(String body, Map<String, Object> current, Map<String, Object> plans) {
        JsonNode planId = read(body, "{\"planId\": \"pro\"}").get("planId");
        if (planId == null || !planId.isTextual() || planId.asText().isBlank()) {
            throw new ProblemException(400, "The body must name the plan: {\"planId\": \"pro\"}.");
        }
        String plan = planId.asText().trim();
        if (plan.equals(current.get("planId"))) {
            throw new ProblemException(409, "The subscription is already on plan " + plan + ".");
        }
        if (plan(plans, plan) == null) {
            throw new ProblemException(400, "Plan " + plan + " is not offered to this subscription (List Available Plans).");
        }
        return plan;
    }

    private long quantityOf(String body, Map<String, Object> current, Map<String, Object> plans) {
        JsonNode quantity = read(body, "{\"quantity\": 25}").get("quantity");
        if (quantity == null || !quantity.isIntegralNumber() || quantity.asLong() < 1) {
            throw new ProblemException(400, "The quantity must be a whole number above zero: {\"quantity\": 25}.");
        }
        long seats = quantity.asLong();
        if (current.get("quantity") instanceof Number now && now.longValue() == seats) {
            throw new ProblemException(409, "The subscription already has quantity " + seats + ".");
        }
        Map<?, ?> plan = plan(plans, String.valueOf(current.get("planId")));
        if (plan != null) {
            if (plan.get("minQuantity") instanceof Number min && seats < min.longValue()
                    || plan.get("maxQuantity") instanceof Number max && seats > max.longValue()) {
                throw new ProblemException(400, "Quantity " + seats + " is outside plan " + current.get("planId") + "'s range "
                        + plan.get("minQuantity") + " to " + plan.get("maxQuantity") + ": change the plan first.");
            }
        }
        return seats;
    }

    private static Map<?, ?> plan(Map<String, Object> plans, String planId) {
        if (plans != null && plans.get("plans") instanceof List<?> list) {
            for (Object item : list) {
                if (item instanceof Map<?, ?> plan && planId.equals(plan.get("planId"))) {
                    return plan;
                }
            }
        }
        return null;
    }

    private JsonNode read(String body, String example) {
        try {
            JsonNode node = body == null || body.isBlank() ? null : json.readTree(body);
            if (node == null || !node.isObject()) {
                throw new ProblemException(400, "The body must be a JSON object: " + example + ".");
            }
            return node;
        } catch (IOException e) {
            throw new ProblemException(400, "The body must be a JSON object: " + example + ".");
        }
    }
}
