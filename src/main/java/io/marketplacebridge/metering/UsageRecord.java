package io.marketplacebridge.metering;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * One usage record the product sent, as the bridge keeps it: its place in the list, its id (the product's, or one
 * the bridge made), the subscription, plan, dimension and exact quantity, when the usage happened and the UTC hour
 * it counts in.
 *
 * @param index the record's place in the list it came in (0 for a single record)
 * @param id the idempotency key: the product's {@code id}, or one the bridge made
 * @param productId whether {@code id} is the product's own (a record without one cannot be recognised again)
 * @param subscriptionId the SaaS subscription (lower case)
 * @param planId the plan the record names, or null: the plan the registry holds for that time
 * @param dimension the dimension id of the plan
 * @param quantity the quantity, above zero
 * @param timestamp when the usage happened
 * @param hourStart the start of the UTC hour the record counts in
 */
record UsageRecord(int index, String id, boolean productId, String subscriptionId, String planId, String dimension,
        BigDecimal quantity, Instant timestamp, Instant hourStart) {

    /** The same record with the plan the registry held at its time. */
    UsageRecord withPlan(String plan) {
        return new UsageRecord(index, id, productId, subscriptionId, plan, dimension, quantity, timestamp, hourStart);
    }
}
