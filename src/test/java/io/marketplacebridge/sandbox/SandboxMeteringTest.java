package io.marketplacebridge.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.marketplacebridge.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The sandbox marketplace's metering rules (docs/marketplace-contract.md §7), without HTTP. */
class SandboxMeteringTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-03-10T09:20:00Z"));
    private final SandboxMarketplace marketplace = new SandboxMarketplace(clock);
    private final SandboxMetering metering = new SandboxMetering(marketplace, clock);

    @Test
    void oneEventPerSubscriptionDimensionAndHourTheSecondIsADuplicateNamingTheFirst() {
        String id = subscribed("pro");

        Map<String, Object> first = metering.usageEvent(event(id, "api-calls", 12.5, "2026-03-10T08:00:00Z"));
        Map<String, Object> again = metering.usageEvent(event(id, "api-calls", 3, "2026-03-10T08:30:00Z"));
        Map<String, Object> otherDimension = metering.usageEvent(event(id, "storage-gb", 3, "2026-03-10T08:00:00Z"));

        assertThat(first).containsEntry("status", "Accepted").containsEntry("quantity", 12.5).containsKey("usageEventId");
        assertThat(again).containsEntry("status", "Duplicate");
        @SuppressWarnings("unchecked")
        Map<String, Object> accepted = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) again.get("error"))
                .get("additionalInfo")).get("acceptedMessage");
        assertThat(accepted).containsEntry("usageEventId", first.get("usageEventId")).containsEntry("quantity", 12.5);
        assertThat(otherDimension).containsEntry("status", "Accepted");
        assertThat(metering.usage(id)).extracting(event -> event.get("dimension")).containsExactly("api-calls", "storage-gb");
    }

    @Test
    void refusesWhatMicrosoftRefuses() {
        String id = subscribed("basic");
        String pending = marketplace.purchase(null, "basic", 10, false, null).subscriptionId();
        String suspended = subscribed("basic");
        marketplace.startOnMicrosoftSide(suspended, "Suspend", null, null);

        assertThat(status(event(id, "api-calls", 1, "2026-03-09T09:00:00Z"))).isEqualTo("Expired");
        assertThat(status(event(pending, "api-calls", 1, "2026-03-10T08:00:00Z"))).isEqualTo("ResourceNotActive");
        assertThat(status(event(suspended, "api-calls", 1, "2026-03-10T08:00:00Z"))).isEqualTo("ResourceNotActive");
        assertThat(status(event(id, "storage-gb", 1, "2026-03-10T08:00:00Z"))).as("basic has no storage meter").isEqualTo("InvalidDimension");
        assertThat(status(event(id, "api-calls", 0, "2026-03-10T08:00:00Z"))).isEqualTo("InvalidQuantity");
        assertThat(status(event(id, "api-calls", -1, "2026-03-10T08:00:00Z"))).isEqualTo("InvalidQuantity");
        assertThat(status(event("6b1f2c0e-1111-4d5e-9a11-2222aaaa0001", "api-calls", 1, "2026-03-10T08:00:00Z"))).isEqualTo("ResourceNotFound");
        assertThat(status(event(id, "api-calls", 1, "2026-03-10T10:00:00Z"))).isEqualTo("BadArgument");
        assertThat(metering.usage(null)).isEmpty();
    }

    @Test
    void aBatchAnswersEachEventAndTakesAtMost25() {
        String id = subscribed("pro");

        Map<String, Object> answer = metering.batch(List.of(event(id, "api-calls", 1, "2026-03-10T07:00:00Z"),
                event(id, "messages", 0, "2026-03-10T07:00:00Z")));

        assertThat(answer).containsEntry("count", 2);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> results = (List<Map<String, Object>>) answer.get("result");
        assertThat(results).extracting(result -> result.get("status")).containsExactly("Accepted", "InvalidQuantity");
        assertThatThrownBy(() -> metering.batch(Collections.nCopies(26, event(id, "api-calls", 1, "2026-03-10T06:00:00Z"))))
                .isInstanceOfSatisfying(SimulatorException.class, refusal -> assertThat(refusal.getStatus()).isEqualTo(400));
        clock.advance(Duration.ofHours(1));
        assertThat(status(event(id, "api-calls", 1, "2026-03-10T09:00:00Z"))).isEqualTo("Accepted");
    }

    private String subscribed(String plan) {
        String id = marketplace.purchase(null, plan, 10, false, null).subscriptionId();
        marketplace.activate(id, Map.of("planId", plan, "quantity", 10));
        return id;
    }

    private String status(Map<String, Object> event) {
        return String.valueOf(metering.usageEvent(event).get("status"));
    }

    private static Map<String, Object> event(String id, String dimension, double quantity, String start) {
        return Map.of("resourceId", id, "dimension", dimension, "quantity", quantity, "effectiveStartTime", start);
    }
}
