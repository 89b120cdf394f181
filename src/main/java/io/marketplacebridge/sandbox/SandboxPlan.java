package io.marketplacebridge.sandbox;

import java.time.Period;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A plan of the sandbox offer. The catalogue is fixed: two per-seat plans and a flat-rate one, enough to try a
 * purchase, a change of plan and a change of quantity, each with the metering dimensions its usage is reported in.
 *
 * @param planId the plan id Microsoft sends ({@code planId})
 * @param displayName the plan's name in the marketplace
 * @param description one line about the plan
 * @param pricePerSeat true when the plan is sold per seat and has a quantity
 * @param minQuantity the fewest seats of a per-seat plan, else null
 * @param maxQuantity the most seats of a per-seat plan, else null
 * @param termUnit the billing term, {@code P1M} or {@code P1Y}
 * @param price the price per seat (or flat) and term, in US dollars
 * @param dimensions the custom meters of the plan (docs/marketplace-contract.md §7)
 */
public record SandboxPlan(String planId, String displayName, String description, boolean pricePerSeat,
        Integer minQuantity, Integer maxQuantity, String termUnit, double price, List<Dimension> dimensions) {

    /**
     * A metering dimension of a plan.
     *
     * @param id the dimension id usage events name ({@code dimension})
     * @param displayName the dimension's name in the marketplace
     * @param unitOfMeasure what one unit of quantity is
     */
    public record Dimension(String id, String displayName, String unitOfMeasure) {
    }

    private static final Dimension API_CALLS = new Dimension("api-calls", "API calls", "1000 calls");
    private static final Dimension MESSAGES = new Dimension("messages", "Messages sent", "100 messages");
    private static final Dimension STORAGE = new Dimension("storage-gb", "Storage", "GB per hour");

    /** Every plan of the sandbox offer. */
    public static final List<SandboxPlan> CATALOGUE = List.of(
            new SandboxPlan("basic", "Basic", "Per seat, 1 to 100 seats, billed monthly", true, 1, 100, "P1M", 5,
                    List.of(API_CALLS, MESSAGES)),
            new SandboxPlan("pro", "Professional", "Per seat, 1 to 1000 seats, billed monthly", true, 1, 1000, "P1M", 12,
                    List.of(API_CALLS, MESSAGES, STORAGE)),
            new SandboxPlan("flat", "Flat rate", "One price for the whole organisation, billed yearly", false, null, null,
                    "P1Y", 990, List.of(API_CALLS)));

    /** The plan with this id, if the offer has it. */
    public static Optional<SandboxPlan> find(String planId) {
        return CATALOGUE.stream().filter(plan -> plan.planId().equals(planId)).findFirst();
    }

    /** Whether usage may be reported in this dimension of the plan. */
    boolean meters(String dimension) {
        return dimensions.stream().anyMatch(meter -> meter.id().equals(dimension));
    }

    /** Whether a per-seat plan allows this many seats. */
    boolean allows(long quantity) {
        return pricePerSeat && quantity >= minQuantity && quantity <= maxQuantity;
    }

    /** The length of one term. */
    Period term() {
        return Period.parse(termUnit);
    }

    /** The plan as List Available Plans (3.5) shows it. */
    Map<String, Object> toJson() {
        Map<String, Object> plan = new LinkedHashMap<>();
        plan.put("planId", planId);
        plan.put("displayName", displayName);
        plan.put("isPrivate", false);
        plan.put("description", description);
        if (pricePerSeat) {
            plan.put("minQuantity", minQuantity);
            plan.put("maxQuantity", maxQuantity);
        }
        plan.put("hasFreeTrials", false);
        plan.put("isPricePerSeat", pricePerSeat);
        plan.put("isStopSell", false);
        plan.put("market", "US");
        Map<String, Object> billingTerm = new LinkedHashMap<>();
        billingTerm.put("currency", "USD");
        billingTerm.put("price", price);
        billingTerm.put("termUnit", termUnit);
        billingTerm.put("termDescription", "P1Y".equals(termUnit) ? "1 year" : "1 month");
        billingTerm.put("meteringDimensions", List.of());
        List<Map<String, Object>> meters = dimensions.stream().map(dimension -> {
            Map<String, Object> meter = new LinkedHashMap<>();
            meter.put("id", dimension.id());
            meter.put("displayName", dimension.displayName());
            meter.put("unitOfMeasure", dimension.unitOfMeasure());
            meter.put("currency", "USD");
            return meter;
        }).toList();
        plan.put("planComponents", Map.of("recurrentBillingTerms", List.of(billingTerm), "meteringDimensions", meters));
        return plan;
    }
}
