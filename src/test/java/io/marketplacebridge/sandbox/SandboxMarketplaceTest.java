package io.marketplacebridge.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.marketplacebridge.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The sandbox marketplace's rules (docs/marketplace-contract.md §3, §4), without HTTP. */
class SandboxMarketplaceTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-03-10T09:00:00Z"));
    private final SandboxMarketplace marketplace = new SandboxMarketplace(clock);

    @Test
    void tokensLookLikeMicrosoftsAndExpireAfter24Hours() {
        SandboxMarketplace.Purchase purchase = marketplace.purchase(null, "basic", 10, false, null);

        assertThat(purchase.token()).contains("+", "/").endsWith("==").hasSizeGreaterThan(100);
        assertThat(marketplace.resolve(purchase.token())).containsEntry("id", purchase.subscriptionId());
        clock.advance(Duration.ofHours(24).plusSeconds(1));
        assertThatThrownBy(() -> marketplace.resolve(purchase.token()))
                .isInstanceOfSatisfying(SimulatorException.class, refusal -> assertThat(refusal.getStatus()).isEqualTo(400));
    }

    @Test
    void manageAccountGivesANewTokenForTheSameSubscription() {
        SandboxMarketplace.Purchase purchase = marketplace.purchase(null, "basic", 10, false, null);

        String again = marketplace.newToken(purchase.subscriptionId());

        assertThat(again).isNotEqualTo(purchase.token());
        assertThat(marketplace.resolve(again)).containsEntry("id", purchase.subscriptionId());
        assertThat(marketplace.resolve(purchase.token())).containsEntry("id", purchase.subscriptionId());
    }

    @Test
    void activationStartsTheTermAndFlatPlansHaveNoQuantity() {
        String id = marketplace.purchase("bridge-offer", "flat", null, false, "Fabrikam HR").subscriptionId();
        clock.advance(Duration.ofDays(2));

        marketplace.activate(id, Map.of("planId", "flat"));

        Map<String, Object> subscription = marketplace.subscription(id);
        assertThat(subscription).containsEntry("saasSubscriptionStatus", "Subscribed").doesNotContainKey("quantity")
                .containsEntry("name", "Fabrikam HR").containsEntry("lastModified", "2026-03-12T09:00:00Z");
        assertThat(subscription.get("term")).isEqualTo(Map.of("startDate", "2026-03-12", "endDate", "2027-03-11", "termUnit", "P1Y"));
    }

    @Test
    void cspSubscriptionsCannotBeChangedOrCancelledByThePublisher() {
        String id = marketplace.purchase(null, "basic", 10, true, null).subscriptionId();
        marketplace.activate(id, Map.of("planId", "basic", "quantity", 10));

        assertThatThrownBy(() -> marketplace.change(id, Map.of("quantity", 12))).hasMessageContaining("Update");
        assertThatThrownBy(() -> marketplace.cancel(id)).hasMessageContaining("Delete");
        Map<String, Object> subscription = marketplace.subscription(id);
        assertThat(subscription).containsEntry("sandboxType", "Csp").containsEntry("allowedCustomerOperations", List.of("Read"));
        assertThat(subscription.get("purchaser")).isNotEqualTo(subscription.get("beneficiary"));
    }

    @Test
    void microsoftSideChangeWaitsForThePublishersSuccess() {
        String id = subscribed("basic", 10);

        SandboxMarketplace.MicrosoftEvent event = marketplace.startOnMicrosoftSide(id, "ChangePlan", "pro", null);
        String operationId = (String) event.operation().get("id");

        assertThat(event.operation()).containsEntry("status", "InProgress").containsEntry("planId", "pro")
                .containsEntry("operationRequestSource", "Azure");
        assertThat(event.subscriptionBefore()).containsEntry("planId", "basic");
        assertThat(marketplace.outstandingOperations(id)).hasSize(1);
        assertThat(marketplace.subscription(id)).containsEntry("planId", "basic");
        marketplace.updateOperation(id, operationId, Map.of("status", "Success"));
        assertThat(marketplace.subscription(id)).containsEntry("planId", "pro").containsEntry("quantity", 10);
        assertThat(marketplace.operation(id, operationId)).containsEntry("status", "Succeeded");
        assertThat(marketplace.outstandingOperations(id)).isEmpty();
    }

    @Test
    void rejectedChangeLeavesTheSubscriptionAsItWas() {
        String id = subscribed("basic", 10);
        String operationId = (String) marketplace.startOnMicrosoftSide(id, "ChangeQuantity", null, 20).operation().get("id");

        marketplace.updateOperation(id, operationId, Map.of("status", "Failure"));

        assertThat(marketplace.subscription(id)).containsEntry("quantity", 10);
        assertThat(marketplace.operation(id, operationId)).containsEntry("status", "Failed");
    }

    @Test
    void repeatingAnUpdateIsHarmlessButContradictingItIsAConflict() {
        String id = subscribed("basic", 10);
        String operationId = (String) marketplace.change(id, Map.of("quantity", 11)).get("id");

        marketplace.updateOperation(id, operationId, Map.of("status", "Success"));

        assertThatThrownBy(() -> marketplace.updateOperation(id, operationId, Map.of("status", "Failure")))
                .isInstanceOfSatisfying(SimulatorException.class, refusal -> assertThat(refusal.getStatus()).isEqualTo(409));
        assertThatThrownBy(() -> marketplace.updateOperation(id, operationId, Map.of("status", "Succeeded")))
                .isInstanceOfSatisfying(SimulatorException.class, refusal -> assertThat(refusal.getStatus()).isEqualTo(400));
        assertThat(marketplace.view(id).get("operations").toString()).contains("answer=200", "answer=409");
    }

    @Test
    void suspendReinstateRenewAndUnsubscribeFollowTheLifecycle() {
        String id = subscribed("pro", 5);

        marketplace.startOnMicrosoftSide(id, "Suspend", null, null);
        assertThat(marketplace.subscription(id)).containsEntry("saasSubscriptionStatus", "Suspended");
        assertThatThrownBy(() -> marketplace.startOnMicrosoftSide(id, "Renew", null, null)).hasMessageContaining("Suspended");
        String reinstate = (String) marketplace.startOnMicrosoftSide(id, "Reinstate", null, null).operation().get("id");
        assertThat(marketplace.subscription(id)).containsEntry("saasSubscriptionStatus", "Suspended");
        marketplace.updateOperation(id, reinstate, Map.of("status", "Success"));
        assertThat(marketplace.subscription(id)).containsEntry("saasSubscriptionStatus", "Subscribed");
        marketplace.startOnMicrosoftSide(id, "Renew", null, null);
        assertThat(((Map<?, ?>) marketplace.subscription(id).get("term")).get("startDate")).isEqualTo("2026-04-10");
        marketplace.startOnMicrosoftSide(id, "Unsubscribe", null, null);
        assertThat(marketplace.subscription(id)).containsEntry("saasSubscriptionStatus", "Unsubscribed");
        assertThatThrownBy(() -> marketplace.activate(id, Map.of("planId", "pro", "quantity", 5)))
                .isInstanceOfSatisfying(SimulatorException.class, refusal -> assertThat(refusal.getStatus()).isEqualTo(404));
    }

    @Test
    void quantityMayArriveAsANumericString() {
        String id = marketplace.purchase(null, "basic", 10, false, null).subscriptionId();

        marketplace.activate(id, Map.of("planId", "basic", "quantity", "10"));

        assertThat(marketplace.subscription(id)).containsEntry("saasSubscriptionStatus", "Subscribed");
    }

    private String subscribed(String planId, int quantity) {
        String id = marketplace.purchase(null, planId, quantity, false, null).subscriptionId();
        marketplace.activate(id, Map.of("planId", planId, "quantity", quantity));
        return id;
    }
}
