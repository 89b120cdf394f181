package io.marketplacebridge.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The recording endpoints' memory and answers, without HTTP. */
class DeliveryRecorderTest {

    private final DeliveryRecorder recorder = new DeliveryRecorder();

    @Test
    void answersAsToldForTheGivenNumberOfDeliveriesThen200Again() {
        recorder.behave("billing", new DeliveryRecorder.Behaviour(503, 2));

        Object first = recorder.record("billing", "POST", Map.of(), "{}").get("answer");
        Object second = recorder.record("billing", "POST", Map.of(), "{}").get("answer");
        Object third = recorder.record("billing", "POST", Map.of(), "{}").get("answer");

        assertThat(first).isEqualTo(503);
        assertThat(second).isEqualTo(503);
        assertThat(third).isEqualTo(200);
        assertThat(recorder.behaviour("billing")).isEqualTo(new DeliveryRecorder.Behaviour(200, null));
    }

    @Test
    void keepsTheBodyAsJsonTheIdempotencyKeyAndNoCredentials() {
        Map<String, Object> delivery = recorder.record("crm", "POST",
                Map.of("idempotency-key", "purchase:1", "authorization", "Bearer secret-value"),
                "{\"type\":\"Purchased\",\"subscription\":{\"id\":\"ABC\"}}");

        assertThat(delivery).containsEntry("idempotencyKey", "purchase:1");
        assertThat(delivery.get("headers").toString()).doesNotContain("secret-value").contains("Bearer ***");
        assertThat(recorder.deliveries("crm", "abc")).hasSize(1);
        assertThat(recorder.deliveries("crm", "other")).isEmpty();
        assertThat(recorder.deliveries("crm", null).get(0).get("body")).isEqualTo(
                Map.of("type", "Purchased", "subscription", Map.of("id", "ABC")));
    }

    @Test
    void keepsOnlyTheNewestDeliveries() {
        for (int i = 0; i < DeliveryRecorder.KEPT + 5; i++) {
            recorder.record("provisioning", "POST", Map.of(), "not json " + i);
        }

        assertThat(recorder.deliveries("provisioning", null)).hasSize(DeliveryRecorder.KEPT)
                .first().satisfies(oldest -> assertThat(oldest.get("body")).isEqualTo("not json 5"));
    }

    @Test
    void countsEveryDeliveryByKeyWithThePrefixAlsoPastTheNewestKept() {
        recorder.behave("billing", new DeliveryRecorder.Behaviour(503, 1));
        recorder.record("billing", "POST", Map.of("idempotency-key", "purchase:a"), "{}");
        recorder.record("billing", "POST", Map.of("idempotency-key", "purchase:a"), "{}");
        for (int i = 0; i < DeliveryRecorder.KEPT; i++) {
            recorder.record("billing", "POST", Map.of("idempotency-key", "activated:" + i), "{}");
        }
        recorder.record("billing", "POST", Map.of("idempotency-key", "purchase:b"), "{}");
        recorder.record("crm", "POST", Map.of("idempotency-key", "purchase:c"), "{}");

        Map<String, DeliveryRecorder.KeyCount> purchases = recorder.keys("billing", "purchase:");

        assertThat(purchases).containsOnlyKeys("purchase:a", "purchase:b");
        assertThat(purchases.get("purchase:a").deliveries()).isEqualTo(2);
        assertThat(purchases.get("purchase:a").accepted()).isEqualTo(1);
        assertThat(purchases.get("purchase:b").deliveries()).isEqualTo(1);
        assertThat(recorder.keys("billing", "")).hasSize(DeliveryRecorder.KEPT + 2);
        assertThatThrownBy(() -> recorder.keys("erp", ""))
                .isInstanceOfSatisfying(SimulatorException.class, refusal -> assertThat(refusal.getStatus()).isEqualTo(404));
    }

    @Test
    void refusesUnknownSystemsAndStatuses() {
        assertThatThrownBy(() -> recorder.record("erp", "POST", Map.of(), "{}"))
                .isInstanceOfSatisfying(SimulatorException.class, refusal -> assertThat(refusal.getStatus()).isEqualTo(404));
        assertThatThrownBy(() -> recorder.behave("crm", new DeliveryRecorder.Behaviour(99, null)))
                .isInstanceOfSatisfying(SimulatorException.class, refusal -> assertThat(refusal.getStatus()).isEqualTo(400));
    }
}
