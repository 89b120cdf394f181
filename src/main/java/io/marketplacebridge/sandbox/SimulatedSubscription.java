package io.marketplacebridge.sandbox;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One subscription as the sandbox marketplace holds it, with what Microsoft would not show: every call of
 * Activate and every operation. Guarded by {@link SandboxMarketplace}'s lock; never handed out, only its JSON.
 */
final class SimulatedSubscription {

    /** A person of the subscription: the purchaser or the beneficiary. */
    record Party(String emailId, String objectId, String tenantId, String puid) {

        Map<String, Object> toJson() {
            Map<String, Object> party = new LinkedHashMap<>();
            party.put("emailId", emailId);
            party.put("objectId", objectId);
            party.put("tenantId", tenantId);
            party.put("puid", puid);
            return party;
        }
    }

    final String id;
    final String name;
    final String offerId;
    final Party purchaser;
    final Party beneficiary;
    final boolean csp;
    final Instant created;
    SandboxPlan plan;
    Integer quantity;
    String status = "PendingFulfillmentStart";
    LocalDate termStart;
    LocalDate termEnd;
    /** Microsoft shows this placeholder until the subscription first changes. */
    String lastModified = "0001-01-01T00:00:00";
    final List<Map<String, Object>> activations = new ArrayList<>();
    final Map<String, SimulatedOperation> operations = new LinkedHashMap<>();

    SimulatedSubscription(String id, String name, String offerId, SandboxPlan plan, Integer quantity, Party purchaser,
            Party beneficiary, boolean csp, Instant created) {
        this.id = id;
        this.name = name;
        this.offerId = offerId;
        this.plan = plan;
        this.quantity = quantity;
        this.purchaser = purchaser;
        this.beneficiary = beneficiary;
        this.csp = csp;
        this.created = created;
        startTerm(LocalDate.ofInstant(created, ZoneOffset.UTC));
    }

    void startTerm(LocalDate start) {
        termStart = start;
        termEnd = start.plus(plan.term()).minusDays(1);
    }

    void modified(Instant at) {
        lastModified = at.toString();
    }

    /** A CSP's customer may only read the subscription (docs/marketplace-contract.md §8.3). */
    List<String> allowedCustomerOperations() {
        return csp ? List.of("Read") : List.of("Read", "Update", "Delete");
    }

    /** The subscription as Get Subscription (3.4) returns it, with Microsoft's field names. */
    Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("id", id);
        json.put("name", name);
        json.put("publisherId", SandboxMarketplace.PUBLISHER_ID);
        json.put("offerId", offerId);
        json.put("planId", plan.planId());
        if (quantity != null) {
            json.put("quantity", quantity);
        }
        json.put("beneficiary", beneficiary.toJson());
        json.put("purchaser", purchaser.toJson());
        json.put("allowedCustomerOperations", allowedCustomerOperations());
        json.put("sessionMode", "None");
        json.put("isFreeTrial", false);
        json.put("isTest", false);
        json.put("sandboxType", csp ? "Csp" : "None");
        json.put("saasSubscriptionStatus", status);
        Map<String, Object> term = new LinkedHashMap<>();
        term.put("startDate", termStart.toString());
        term.put("endDate", termEnd.toString());
        term.put("termUnit", plan.termUnit());
        json.put("term", term);
        json.put("autoRenew", true);
        json.put("created", created.toString());
        json.put("lastModified", lastModified);
        return json;
    }
}
