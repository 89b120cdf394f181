package io.marketplacebridge.sandbox;

import io.marketplacebridge.sandbox.SimulatedSubscription.Party;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The sandbox marketplace: Microsoft's side of the SaaS Fulfillment API v2 in memory, following
 * docs/marketplace-contract.md. It sells test subscriptions of a fixed offer ({@link SandboxPlan}), issues landing-page
 * tokens and applies the rules of sections 3 and 4 (who may activate, change or cancel what, and when). Every
 * method is atomic; the state is gone when the process ends.
 */
public class SandboxMarketplace {

    /** The publisher of the sandbox offer. */
    public static final String PUBLISHER_ID = "contoso";
    /** The offer bought when a purchase names none. */
    public static final String DEFAULT_OFFER_ID = "bridge-offer";
    /** How long a landing-page token resolves (docs/marketplace-contract.md §8.2). */
    public static final Duration TOKEN_LIFETIME = Duration.ofHours(24);

    private static final Pattern OFFER_ID = Pattern.compile("[A-Za-z0-9._-]{1,50}");
    private static final int MAX_NAME_LENGTH = 100;
    private static final List<String> CUSTOMERS = List.of("Fabrikam", "Northwind Traders", "Adventure Works", "Litware",
            "Proseware", "Woodgrove Bank", "Alpine Ski House", "Coho Winery");
    private static final List<String> RESELLERS = List.of("Tailspin Partners", "Wingtip Resellers", "Trey Research Channel");

    /** A purchase: the new subscription and the token Microsoft would put in the landing-page link. */
    public record Purchase(String subscriptionId, String token) {
    }

    /**
     * An event started on Microsoft's side: the operation as Get Operation returns it, and the subscription as it
     * was before (a webhook carries that one, docs/marketplace-contract.md §5).
     */
    public record MicrosoftEvent(Map<String, Object> operation, Map<String, Object> subscriptionBefore) {
    }

    private record TokenGrant(String subscriptionId, Instant expiresAt) {
    }

    private final Clock clock;
    /** How long an operation the publisher starts stays InProgress, and how it ends. */
    private Duration publisherOperationTime = Duration.ZERO;
    private String publisherOperationOutcome = "Succeeded";
    private final SecureRandom random = new SecureRandom();
    private final Map<String, SimulatedSubscription> subscriptions = new LinkedHashMap<>();
    private final Map<String, TokenGrant> tokens = new HashMap<>();
    private int purchases;

    public SandboxMarketplace() {
        this(Clock.systemUTC());
    }

    SandboxMarketplace(Clock clock) {
        this.clock = clock;
    }

    /**
     * Buys a test subscription: it starts {@code PendingFulfillmentStart}, like a real purchase before the buyer
     * clicks "Configure account". A CSP purchase has a reseller as purchaser and its customer as beneficiary.
     *
     * @param offerId the offer; null for {@link #DEFAULT_OFFER_ID}
     * @param planId a plan of {@link SandboxPlan#CATALOGUE}
     * @param quantity seats of a per-seat plan; null for a flat-rate plan
     * @param csp true for a purchase through a reseller
     * @param name the subscription's name; null for a generated one
     */
    public synchronized Purchase purchase(String offerId, String planId, Integer quantity, boolean csp, String name) {
        String offer = offerId == null ? DEFAULT_OFFER_ID : offerId.trim();
        if (!OFFER_ID.matcher(offer).matches()) {
            throw SimulatorException.badRequest("offerId must be 1 to 50 letters, digits, '.', '_' or '-'.");
        }
        SandboxPlan plan = plan(planId);
        if (plan.pricePerSeat() && (quantity == null || !plan.allows(quantity))) {
            throw SimulatorException.badRequest("Plan " + plan.planId() + " is sold per seat: quantity must be "
                    + plan.minQuantity() + " to " + plan.maxQuantity() + ".");
        }
        if (!plan.pricePerSeat() && quantity != null) {
            throw SimulatorException.badRequest("Plan " + plan.planId() + " is not sold per seat: leave out quantity.");
        }
        if (name != null && name.length() > MAX_NAME_LENGTH) {
            throw SimulatorException.badRequest("name must be at most " + MAX_NAME_LENGTH + " characters.");
        }
        SimulatedSubscription subscription = newSubscription(offer, plan, quantity, csp, name);
        return new Purchase(subscription.id, issueToken(subscription.id));
    }

    /**
     * A subscription that is {@code Subscribed} already, bought and activated long ago (a load's subscriptions,
     * {@link SimulatedLoad}): no landing token, no operation.
     *
     * @return its id
     */
    public synchronized String subscribed(String planId, Integer quantity) {
        SandboxPlan plan = plan(planId);
        if (plan.pricePerSeat() != (quantity != null) || quantity != null && !plan.allows(quantity)) {
            throw SimulatorException.badRequest("Plan " + plan.planId() + " does not take quantity " + quantity + ".");
        }
        SimulatedSubscription subscription = newSubscription(DEFAULT_OFFER_ID, plan, quantity, false, null);
        subscription.status = "Subscribed";
        return subscription.id;
    }

    /** Forgets every subscription, operation and token. */
    public synchronized void clear() {
        subscriptions.clear();
        tokens.clear();
        purchases = 0;
    }

    private SimulatedSubscription newSubscription(String offer, SandboxPlan plan, Integer quantity, boolean csp, String name) {
        int number = ++purchases;
        String customer = CUSTOMERS.get((number - 1) % CUSTOMERS.size());
        Party beneficiary = party("it-admin", customer);
        Party purchaser = csp ? party("sales", RESELLERS.get((number - 1) % RESELLERS.size())) : beneficiary;
        String subscriptionName = name == null || name.isBlank() ? customer + " (sandbox #" + number + ")" : name.trim();
        SimulatedSubscription subscription = new SimulatedSubscription(UUID.randomUUID().toString(), subscriptionName,
                offer, plan, quantity, purchaser, beneficiary, csp, clock.instant());
        subscriptions.put(subscription.id, subscription);
        return subscription;
    }

    /** A new landing-page token for an existing subscription, as "Manage account" in the Azure portal gives. */
    public synchronized String newToken(String subscriptionId) {
        return issueToken(find(subscriptionId).id);
    }

    /** Resolve (3.1): the subscription a landing-page token names, in any status. */
    public synchronized Map<String, Object> resolve(String token) {
        TokenGrant grant = token == null ? null : tokens.get(token);
        if (grant == null || grant.expiresAt().isBefore(clock.instant())) {
            throw SimulatorException.badRequest("The marketplace token is missing, malformed, invalid or expired.");
        }
        SimulatedSubscription subscription = find(grant.subscriptionId());
        Map<String, Object> resolved = new LinkedHashMap<>();
        resolved.put("id", subscription.id);
        resolved.put("subscriptionName", subscription.name);
        resolved.put("offerId", subscription.offerId);
        resolved.put("planId", subscription.plan.planId());
        if (subscription.quantity != null) {
            resolved.put("quantity", subscription.quantity);
        }
        resolved.put("subscription", subscription.toJson());
        return resolved;
    }

    /** Get Subscription (3.4). */
    public synchronized Map<String, Object> subscription(String subscriptionId) {
        return find(subscriptionId).toJson();
    }

    /** List Subscriptions (3.3): every subscription in every status, oldest first. */
    public synchronized List<Map<String, Object>> subscriptions() {
        return subscriptions.values().stream().map(SimulatedSubscription::toJson).toList();
    }

    /** One page of List Subscriptions (3.3): {@code size} subscriptions from the {@code from}-th, oldest first. */
    public synchronized List<Map<String, Object>> subscriptions(int from, int size) {
        return subscriptions.values().stream().skip(from).limit(size).map(SimulatedSubscription::toJson).toList();
    }

    /**
     * Microsoft activates a new purchase itself, as it does for plans that activate at purchase: the subscription is
     * {@code Subscribed} at once, its term starts, and a {@code Subscribe} operation (already {@code Succeeded})
     * announces it. Nobody calls Activate.
     */
    public synchronized MicrosoftEvent activateOnMicrosoftSide(String subscriptionId) {
        SimulatedSubscription subscription = find(subscriptionId);
        requireStatus(subscription, "PendingFulfillmentStart");
        Map<String, Object> before = subscription.toJson();
        subscription.status = "Subscribed";
        subscription.startTerm(today());
        subscription.modified(clock.instant());
        SimulatedOperation operation = operation(subscription, "Subscribe", subscription.plan.planId(),
                subscription.quantity, "Succeeded", "Azure");
        return new MicrosoftEvent(operation.toJson(), before);
    }

    /** List Available Plans (3.5): every plan of the offer, or only {@code planId} when given. */
    public synchronized List<Map<String, Object>> availablePlans(String subscriptionId, String planId) {
        find(subscriptionId);
        return SandboxPlan.CATALOGUE.stream()
                .filter(plan -> planId == null || plan.planId().equals(planId))
                .map(SandboxPlan::toJson)
                .toList();
    }

    /**
     * Activate (3.2): {@code PendingFulfillmentStart} becomes {@code Subscribed} when the body names the purchased
     * plan and quantity. Every call is recorded, refused or not, so a test can tell how often the bridge activated.
     */
    public synchronized void activate(String subscriptionId, Map<String, Object> body) {
        SimulatedSubscription subscription = find(subscriptionId);
        Map<String, Object> request = body == null ? Map.of() : body;
        Map<String, Object> call = new LinkedHashMap<>();
        call.put("at", clock.instant().toString());
        call.put("planId", request.get("planId"));
        call.put("quantity", request.get("quantity"));
        subscription.activations.add(call);
        SimulatorException refusal = activationRefusal(subscription, request);
        if (refusal != null) {
            call.put("answer", refusal.getStatus());
            call.put("reason", refusal.getMessage());
            throw refusal;
        }
        call.put("answer", 200);
        subscription.status = "Subscribed";
        subscription.startTerm(today());
        subscription.modified(clock.instant());
    }

    /**
     * Change Plan or Quantity (3.6/3.7), started by the publisher: checked as Microsoft checks it, applied at once;
     * the operation is {@code Succeeded}.
     *
     * @return the operation, as Get Operation returns it
     */
    public synchronized Map<String, Object> change(String subscriptionId, Map<String, Object> body) {
        SimulatedSubscription subscription = find(subscriptionId);
        Map<String, Object> request = body == null ? Map.of() : body;
        boolean planGiven = request.get("planId") != null;
        boolean quantityGiven = request.get("quantity") != null && !"".equals(request.get("quantity"));
        if (planGiven == quantityGiven) {
            throw SimulatorException.badRequest("Send either planId or quantity, never both.");
        }
        requireUpdatable(subscription, "Update");
        SimulatedOperation operation;
        if (planGiven) {
            SandboxPlan plan = checkedPlanChange(subscription, String.valueOf(request.get("planId")));
            operation = operation(subscription, "ChangePlan", plan.planId(), quantityAfter(subscription, plan),
                    "InProgress", "Partner");
        } else {
            int quantity = checkedQuantityChange(subscription, quantityOf(request.get("quantity")));
            operation = operation(subscription, "ChangeQuantity", subscription.plan.planId(), quantity, "InProgress",
                    "Partner");
        }
        return startPublisherOperation(subscription, operation);
    }

    /**
     * Cancel (3.8), started by the publisher: the subscription is {@code Unsubscribed} at once, for good.
     *
     * @return the operation, as Get Operation returns it
     */
    public synchronized Map<String, Object> cancel(String subscriptionId) {
        SimulatedSubscription subscription = find(subscriptionId);
        if ("Unsubscribed".equals(subscription.status)) {
            throw SimulatorException.badRequest("The subscription is already Unsubscribed.");
        }
        if (!subscription.allowedCustomerOperations().contains("Delete")) {
            throw SimulatorException.badRequest("Delete is not in allowedCustomerOperations of this subscription.");
        }
        SimulatedOperation operation = operation(subscription, "Unsubscribe", subscription.plan.planId(),
                subscription.quantity, "InProgress", "Partner");
        return startPublisherOperation(subscription, operation);
    }

    /**
     * How the operations the publisher starts behave from now on: {@code InProgress} for {@code time} (zero: settled
     * at once), then {@code Succeeded} (the change applies) or {@code Failed}; either way Microsoft's confirming
     * webhook follows (operationRequestSource {@code Partner}).
     */
    public synchronized Map<String, Object> publisherOperations(Duration time, String outcome) {
        if (time != null) {
            if (time.isNegative()) {
                throw SimulatorException.badRequest("seconds must not be negative.");
            }
            publisherOperationTime = time;
        }
        if (outcome != null) {
            if (!"Succeeded".equals(outcome) && !"Failed".equals(outcome)) {
                throw SimulatorException.badRequest("outcome must be Succeeded or Failed.");
            }
            publisherOperationOutcome = outcome;
        }
        Map<String, Object> behaviour = new LinkedHashMap<>();
        behaviour.put("seconds", publisherOperationTime.toSeconds());
        behaviour.put("outcome", publisherOperationOutcome);
        return behaviour;
    }

    /**
     * Settles the publisher's operations whose time has come, and hands out the confirming webhooks still due (the
     * sandbox sends them): Microsoft announces a publisher's change once it is done.
     */
    public synchronized List<MicrosoftEvent> settleDueOperations() {
        List<MicrosoftEvent> webhooks = new ArrayList<>();
        for (SimulatedSubscription subscription : subscriptions.values()) {
            for (SimulatedOperation operation : subscription.operations.values()) {
                if (!operation.webhookDue) {
                    continue;
                }
                Map<String, Object> before = subscription.toJson();
                if (operation.settleAt != null && !clock.instant().isBefore(operation.settleAt)) {
                    settle(subscription, operation);
                }
                if (operation.webhookDue && operation.settleAt == null) {
                    operation.webhookDue = false;
                    webhooks.add(new MicrosoftEvent(operation.toJson(), before));
                }
            }
        }
        return webhooks;
    }

    private Map<String, Object> startPublisherOperation(SimulatedSubscription subscription, SimulatedOperation operation) {
        operation.settleTo = publisherOperationOutcome;
        operation.webhookDue = true;
        operation.settleAt = clock.instant().plus(publisherOperationTime);
        if (publisherOperationTime.isZero()) {
            settle(subscription, operation);
        }
        return operation.toJson();
    }

    private void settle(SimulatedSubscription subscription, SimulatedOperation operation) {
        operation.status = operation.settleTo;
        operation.settleAt = null;
        if ("Succeeded".equals(operation.status)) {
            apply(subscription, operation);
        }
    }

    /** List Outstanding Operations (3.9): the operations that wait for the publisher's Update Operation. */
    public synchronized List<Map<String, Object>> outstandingOperations(String subscriptionId) {
        return find(subscriptionId).operations.values().stream()
                .filter(operation -> "InProgress".equals(operation.status))
                .map(SimulatedOperation::toJson)
                .toList();
    }

    /** Get Operation (3.10). */
    public synchronized Map<String, Object> operation(String subscriptionId, String operationId) {
        return findOperation(find(subscriptionId), operationId).toJson();
    }

    /**
     * Update Operation (3.11) with {@code {"status": "Success"|"Failure"}}: an operation in progress succeeds (its
     * change applies) or fails; repeating the same answer is harmless; contradicting a final one is {@code 409}.
     */
    public synchronized void updateOperation(String subscriptionId, String operationId, Map<String, Object> body) {
        SimulatedSubscription subscription = find(subscriptionId);
        SimulatedOperation operation = findOperation(subscription, operationId);
        Object status = body == null ? null : body.get("status");
        if (!"Success".equals(status) && !"Failure".equals(status)) {
            throw SimulatorException.badRequest("status must be Success or Failure.");
        }
        String outcome = "Success".equals(status) ? "Succeeded" : "Failed";
        Map<String, Object> update = new LinkedHashMap<>();
        update.put("at", clock.instant().toString());
        update.put("status", status);
        operation.updates.add(update);
        if ("InProgress".equals(operation.status)) {
            operation.status = outcome;
            if ("Succeeded".equals(outcome)) {
                apply(subscription, operation);
            }
            update.put("answer", 200);
        } else if (operation.status.equals(outcome)) {
            update.put("answer", 200);
        } else {
            update.put("answer", 409);
            throw SimulatorException.conflict("The operation is already " + operation.status + ".");
        }
    }

    /**
     * Starts an event on Microsoft's side, as the marketplace would before sending its webhook (docs/marketplace-contract.md §4
     * and 5). {@code ChangePlan}, {@code ChangeQuantity} and {@code Reinstate} are {@code InProgress} until the
     * publisher updates the operation; {@code Suspend}, {@code Renew} and {@code Unsubscribe} apply at once and are
     * {@code Succeeded}.
     *
     * @param planId the new plan of a ChangePlan, else ignored
     * @param quantity the new quantity of a ChangeQuantity, else ignored
     */
    public synchronized MicrosoftEvent startOnMicrosoftSide(String subscriptionId, String action, String planId,
            Integer quantity) {
        SimulatedSubscription subscription = find(subscriptionId);
        Map<String, Object> before = subscription.toJson();
        String current = subscription.plan.planId();
        SimulatedOperation operation = switch (action == null ? "" : action) {
            case "ChangePlan" -> {
                requireStatus(subscription, "Subscribed");
                SandboxPlan plan = checkedPlanChange(subscription, planId);
                yield operation(subscription, action, plan.planId(), quantityAfter(subscription, plan), "InProgress", "Azure");
            }
            case "ChangeQuantity" -> {
                requireStatus(subscription, "Subscribed");
                yield operation(subscription, action, current, checkedQuantityChange(subscription, quantity), "InProgress",
                        "Azure");
            }
            case "Reinstate" -> {
                requireStatus(subscription, "Suspended");
                yield operation(subscription, action, current, subscription.quantity, "InProgress", "Azure");
            }
            case "Suspend", "Renew" -> {
                requireStatus(subscription, "Subscribed");
                yield operation(subscription, action, current, subscription.quantity, "Succeeded", "Azure");
            }
            case "Unsubscribe" -> {
                if (!List.of("Subscribed", "Suspended").contains(subscription.status)) {
                    throw SimulatorException.badRequest("Microsoft unsubscribes only Subscribed or Suspended subscriptions;"
                            + " this one is " + subscription.status + ".");
                }
                yield operation(subscription, action, current, subscription.quantity, "Succeeded", "Azure");
            }
            default -> throw SimulatorException.badRequest("action must be one of ChangePlan, ChangeQuantity, Reinstate,"
                    + " Suspend, Renew, Unsubscribe.");
        };
        if ("Succeeded".equals(operation.status)) {
            apply(subscription, operation);
        }
        return new MicrosoftEvent(operation.toJson(), before);
    }

    /**
     * Starts an event on Microsoft's side as one step of a planned sequence (a load, {@link SimulatedLoad}): as
     * {@link #startOnMicrosoftSide}, but not checked against the subscription as it is now, since earlier steps of
     * the same sequence may still be {@code InProgress}; the plan checks the sequence instead (a Reinstate only after
     * a Suspend). {@code ChangePlan}, {@code ChangeQuantity} and {@code Reinstate} wait for the publisher's Update
     * Operation; {@code Suspend} and {@code Renew} apply at once.
     */
    public synchronized MicrosoftEvent startPlannedOnMicrosoftSide(String subscriptionId, String action, String planId,
            Integer quantity) {
        SimulatedSubscription subscription = find(subscriptionId);
        Map<String, Object> before = subscription.toJson();
        String status = switch (action) {
            case "ChangePlan", "ChangeQuantity", "Reinstate" -> "InProgress";
            case "Suspend", "Renew" -> "Succeeded";
            default -> throw SimulatorException.badRequest("A planned sequence has ChangePlan, ChangeQuantity, Reinstate,"
                    + " Suspend and Renew, not " + action + ".");
        };
        SimulatedOperation operation = operation(subscription, action, planId == null ? subscription.plan.planId() : planId,
                quantity, status, "Azure");
        if ("Succeeded".equals(status)) {
            apply(subscription, operation);
        }
        return new MicrosoftEvent(operation.toJson(), before);
    }

    /** The Update Operation calls an operation received: when the first came (null if none) and how many. */
    public record Patches(Instant first, int count) {
    }

    /** The Update Operation calls of one operation. */
    public synchronized Patches patches(String subscriptionId, String operationId) {
        SimulatedOperation operation = findOperation(find(subscriptionId), operationId);
        return new Patches(operation.updates.isEmpty() ? null : Instant.parse((String) operation.updates.get(0).get("at")),
                operation.updates.size());
    }

    /**
     * The sandbox's view of a subscription: the subscription as Microsoft shows it, its operations with the updates
     * they received, and every call of Activate ({@code activateCalls}, {@code activations}).
     */
    public synchronized Map<String, Object> view(String subscriptionId) {
        return view(find(subscriptionId));
    }

    /** The sandbox's view of every subscription, newest first. */
    public synchronized List<Map<String, Object>> views() {
        List<SimulatedSubscription> all = new ArrayList<>(subscriptions.values());
        all.sort(Comparator.comparing((SimulatedSubscription subscription) -> subscription.created).reversed());
        return all.stream().map(SandboxMarketplace::view).toList();
    }

    /** A quantity as Microsoft's bodies carry it (a number, a numeric string, or empty). */
    static Integer quantityOf(Object value) {
        if (value == null || "".equals(value)) {
            return null;
        }
        if (value instanceof Integer || value instanceof Long || value instanceof Short) {
            return Math.toIntExact(((Number) value).longValue());
        }
        if (value instanceof String text && text.trim().matches("\\d{1,9}")) {
            return Integer.valueOf(text.trim());
        }
        throw SimulatorException.badRequest("quantity must be a whole number.");
    }

    private static Map<String, Object> view(SimulatedSubscription subscription) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("subscription", subscription.toJson());
        view.put("operations", subscription.operations.values().stream().map(SimulatedOperation::toView).toList());
        view.put("activateCalls", subscription.activations.size());
        view.put("activations", List.copyOf(subscription.activations));
        return view;
    }

    private SimulatorException activationRefusal(SimulatedSubscription subscription, Map<String, Object> request) {
        if ("Unsubscribed".equals(subscription.status)) {
            return SimulatorException.notFound("The subscription is Unsubscribed.");
        }
        if (!"PendingFulfillmentStart".equals(subscription.status)) {
            return SimulatorException.badRequest("The subscription is already " + subscription.status + ".");
        }
        Object planId = request.get("planId");
        if (planId == null || String.valueOf(planId).isBlank()) {
            return SimulatorException.badRequest("planId is missing.");
        }
        if (!subscription.plan.planId().equals(planId)) {
            return SimulatorException.badRequest("planId " + planId + " differs from the purchased plan.");
        }
        Integer quantity;
        try {
            quantity = quantityOf(request.get("quantity"));
        } catch (SimulatorException notANumber) {
            return notANumber;
        }
        if (!Objects.equals(quantity, subscription.quantity)) {
            return SimulatorException.badRequest("quantity " + (quantity == null ? "(none)" : quantity)
                    + " differs from the purchased quantity " + (subscription.quantity == null ? "(none)" : subscription.quantity) + ".");
        }
        return null;
    }

    private SandboxPlan checkedPlanChange(SimulatedSubscription subscription, String planId) {
        SandboxPlan plan = plan(planId);
        if (plan.equals(subscription.plan)) {
            throw SimulatorException.badRequest("The subscription is already on plan " + planId + ".");
        }
        if (plan.pricePerSeat() && subscription.quantity != null && !plan.allows(subscription.quantity)) {
            throw SimulatorException.badRequest("Plan " + planId + " does not allow " + subscription.quantity
                    + " seats: change the quantity first.");
        }
        return plan;
    }

    private static int checkedQuantityChange(SimulatedSubscription subscription, Integer quantity) {
        if (!subscription.plan.pricePerSeat()) {
            throw SimulatorException.badRequest("Plan " + subscription.plan.planId() + " is not sold per seat.");
        }
        if (quantity == null || !subscription.plan.allows(quantity)) {
            throw SimulatorException.badRequest("quantity must be " + subscription.plan.minQuantity() + " to "
                    + subscription.plan.maxQuantity() + " on plan " + subscription.plan.planId() + ".");
        }
        if (quantity.equals(subscription.quantity)) {
            throw SimulatorException.badRequest("The subscription already has " + quantity + " seats.");
        }
        return quantity;
    }

    /** The seats after a move to {@code plan}: kept, the plan's minimum when it had none, none on a flat plan. */
    private static Integer quantityAfter(SimulatedSubscription subscription, SandboxPlan plan) {
        if (!plan.pricePerSeat()) {
            return null;
        }
        return subscription.quantity != null ? subscription.quantity : plan.minQuantity();
    }

    private static void requireUpdatable(SimulatedSubscription subscription, String customerOperation) {
        requireStatus(subscription, "Subscribed");
        if (!subscription.allowedCustomerOperations().contains(customerOperation)) {
            throw SimulatorException.badRequest(customerOperation + " is not in allowedCustomerOperations of this"
                    + " subscription (a CSP purchase).");
        }
    }

    private static void requireStatus(SimulatedSubscription subscription, String status) {
        if (!status.equals(subscription.status)) {
            throw SimulatorException.badRequest("The subscription is " + subscription.status + ", not " + status + ".");
        }
    }

    private void apply(SimulatedSubscription subscription, SimulatedOperation operation) {
        switch (operation.action) {
            case "ChangePlan" -> {
                subscription.plan = plan(operation.planId);
                subscription.quantity = operation.quantity;
            }
            case "ChangeQuantity" -> subscription.quantity = operation.quantity;
            case "Suspend" -> subscription.status = "Suspended";
            case "Reinstate" -> subscription.status = "Subscribed";
            case "Renew" -> subscription.startTerm(subscription.termEnd.plusDays(1));
            case "Unsubscribe" -> subscription.status = "Unsubscribed";
            default -> throw new IllegalStateException("No effect defined for " + operation.action);
        }
        subscription.modified(clock.instant());
    }

    private SimulatedOperation operation(SimulatedSubscription subscription, String action, String planId,
            Integer quantity, String status, String source) {
        SimulatedOperation operation = new SimulatedOperation(subscription, action, planId, quantity, status, source,
                clock.instant().toString());
        subscription.operations.put(operation.id, operation);
        return operation;
    }

    private SimulatedSubscription find(String subscriptionId) {
        SimulatedSubscription subscription = subscriptionId == null ? null
                : subscriptions.get(subscriptionId.toLowerCase(Locale.ROOT));
        if (subscription == null) {
            throw SimulatorException.notFound("No subscription " + subscriptionId + ".");
        }
        return subscription;
    }

    private static SimulatedOperation findOperation(SimulatedSubscription subscription, String operationId) {
        SimulatedOperation operation = operationId == null ? null
                : subscription.operations.get(operationId.toLowerCase(Locale.ROOT));
        if (operation == null) {
            throw SimulatorException.notFound("No operation " + operationId + " on subscription " + subscription.id + ".");
        }
        return operation;
    }

    private static SandboxPlan plan(String planId) {
        return SandboxPlan.find(planId).orElseThrow(() -> SimulatorException.badRequest("Unknown plan '" + planId
                + "': the sandbox offer has " + String.join(", ", SandboxPlan.CATALOGUE.stream().map(SandboxPlan::planId).toList()) + "."));
    }

    /**
     * An opaque token like Microsoft's: long base64 with {@code +}, {@code /} and {@code =} in it, so the landing
     * link only works when the token is URL-encoded and decoded correctly.
     */
    private String issueToken(String subscriptionId) {
        byte[] bytes = new byte[97];
        String token;
        do {
            random.nextBytes(bytes);
            token = Base64.getEncoder().encodeToString(bytes);
        } while (token.indexOf('+') < 0 || token.indexOf('/') < 0);
        tokens.put(token, new TokenGrant(subscriptionId, clock.instant().plus(TOKEN_LIFETIME)));
        return token;
    }

    private Party party(String mailbox, String company) {
        String domain = company.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "") + ".example";
        byte[] puid = new byte[8];
        random.nextBytes(puid);
        return new Party(mailbox + "@" + domain, UUID.randomUUID().toString(), UUID.randomUUID().toString(),
                HexFormat.of().withUpperCase().formatHex(puid));
    }

    private LocalDate today() {
        return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
    }
}
