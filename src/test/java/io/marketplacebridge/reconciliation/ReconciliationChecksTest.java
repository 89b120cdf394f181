package io.marketplacebridge.reconciliation;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.marketplacebridge.BridgeTest;
import io.marketplacebridge.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** ReconciliationChecks: what counts as drift between Microsoft's subscription and the one published, and ages. */
class ReconciliationChecksTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ID = "6b1f2c0e-1111-4d5e-9a11-2222aaaa0001";

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-10T12:00:00Z"));
    private final ReconciliationChecks checks = new ReconciliationChecks(clock);

    @Test
    void theSameStateWrittenDifferentlyIsNoDrift() throws Exception {
        Map<String, Object> published = subscription("Subscribed", "basic", 10);
        Map<String, Object> microsoft = subscription("Subscribed  ", "basic", 10);
        microsoft.put("quantity", "10");
        microsoft.put("lastModified", "2026-11-09T10:00:00Z");
        microsoft.put("aFieldMicrosoftAddedLater", true);

        assertThat(checks.drift(microsoft, published)).isEmpty();
    }

    @Test
    void statusPlanQuantityTermAndAutoRenewAreDrift() throws Exception {
        Map<String, Object> published = subscription("Subscribed", "basic", 10);
        Map<String, Object> microsoft = subscription("Suspended", "pro", 12);
        microsoft.put("autoRenew", false);
        microsoft.put("term", Map.of("startDate", "2026-12-01", "endDate", "2026-12-31", "termUnit", "P1M"));

        Map<String, Object> drift = checks.drift(microsoft, published);

        assertThat(drift).containsOnlyKeys("saasSubscriptionStatus", "planId", "quantity", "term", "autoRenew");
        assertThat(drift.get("planId")).isEqualTo(Map.of("published", "basic", "microsoft", "pro"));
        assertThat(drift.get("quantity")).isEqualTo(Map.of("published", 10L, "microsoft", 12L));
    }

    @Test
    void everyFieldIsDriftForASubscriptionNeverPublished() throws Exception {
        assertThat(checks.drift(subscription("Subscribed", "basic", null), null))
                .containsOnlyKeys("saasSubscriptionStatus", "planId", "quantity", "term", "autoRenew");
    }

    @Test
    void agesOfOperationsAndPurchases() throws Exception {
        Map<String, Object> pending = subscription("PendingFulfillmentStart", "basic", 10);
        pending.put("created", "2026-11-06T12:00:00");

        assertThat(checks.operationAge(Map.of("timeStamp", "2026-11-10T11:59:30Z"))).isEqualTo(30);
        assertThat(checks.operationAge(Map.of())).isEqualTo(Long.MAX_VALUE);
        assertThat(checks.pendingFor(pending)).isEqualTo(Duration.ofDays(4));
        pending.put("created", "0001-01-01T00:00:00");
        assertThat(checks.pendingFor(pending)).isNull();
    }

    private static Map<String, Object> subscription(String status, String plan, Integer quantity) throws Exception {
        return JSON.readValue(BridgeTest.subscriptionJson(ID, status, plan, quantity, "tenant-a", "tenant-a"),
                new TypeReference<Map<String, Object>>() { });
    }
}
