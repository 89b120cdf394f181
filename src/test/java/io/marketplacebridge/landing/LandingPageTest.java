package io.marketplacebridge.landing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.marketplacebridge.BridgeTest;
import io.marketplacebridge.event.SubscriptionEventMapper;
import io.marketplacebridge.failure.Failure;
import io.marketplacebridge.web.HttpAnswer;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** LandingPage: what the buyer reads for each status, from the Purchased event the real mapper makes. */
class LandingPageTest {

    private final LandingPage page = new LandingPage(new LandingProperties(LandingProperties.SignIn.NONE, null, null,
            URI.create("https://login.microsoftonline.com/common/v2.0"), "{baseUrl}/login/oauth2/code/entra",
            Duration.ofSeconds(10), "Contoso", null, null));
    private final SubscriptionEventMapper mapper = new SubscriptionEventMapper();

    @Test
    void purchaseWithoutPurchaserShowsNoPlaceholder() throws Exception {
        Map<String, Object> subscription = subscription("PendingFulfillmentStart");
        subscription.remove("purchaser");
        subscription.put("beneficiary", Map.of("emailId", "user@tenant-a.example"));

        HttpAnswer answer = page.render(mapper.purchased(subscription, null, "c-1"));

        assertThat(answer.getStatus()).isEqualTo(200);
        assertThat(answer.getBody()).contains("Thank you for your purchase", "user@tenant-a.example")
                .doesNotContain("null", "Purchased by");
    }

    @Test
    void eachStatusSaysWhatItMeansForTheBuyer() throws Exception {
        assertThat(page.render(mapper.purchased(subscription("Subscribed"), null, "c")).getBody()).contains("is active");
        assertThat(page.render(mapper.purchased(subscription("Suspended"), null, "c")).getBody())
                .contains("suspended", "payment method").doesNotContain("is active", "set up");
        assertThat(page.render(mapper.purchased(subscription("Unsubscribed"), null, "c")).getBody()).contains("has ended");
        assertThat(page.render(mapper.purchased(subscription("PendingFulfillmentStart"), null, "c")).getBody())
                .contains("setting up your account");
    }

    @Test
    void marketplaceOutageAsksToReloadLaterWith503AndRetryAfter() {
        Failure outage = Failure.ofHttpStatus("Fulfillment API", "resolve", 503, Duration.ofSeconds(3), "down");

        HttpAnswer answer = page.forFailure(outage);

        assertThat(answer.getStatus()).isEqualTo(503);
        assertThat(answer.getRetryAfterSeconds()).isPositive();
        assertThat(answer.getBody()).contains("try again");
    }

    private static Map<String, Object> subscription(String status) throws Exception {
        return new ObjectMapper().readValue(BridgeTest.subscriptionJson("6b1f2c0e-1111-4d5e-9a11-2222aaaa0001", status,
                "basic", 10, "tenant-a", "tenant-a"), new TypeReference<>() { });
    }
}
