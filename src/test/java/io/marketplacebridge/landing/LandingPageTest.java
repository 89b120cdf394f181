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
import java.util.List;
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
    void statusIsSaidInTheBuyersWords() throws Exception {
        assertThat(page.render(mapper.purchased(subscription("PendingFulfillmentStart"), null, "c")).getBody())
                .contains("Status: <span>being set up</span>");
        assertThat(page.render(mapper.purchased(subscription("Subscribed"), null, "c")).getBody())
                .contains("Status: <span>active</span>");
        assertThat(page.render(mapper.purchased(subscription("Suspended"), null, "c")).getBody())
                .contains("Status: <span>suspended: update your payment method in the Microsoft 365 admin center</span>");
        assertThat(page.render(mapper.purchased(subscription("Unsubscribed"), null, "c")).getBody())
                .contains("Status: <span>cancelled</span>");
    }

    @Test
    void signedInUserIsShownNextToThePurchaseAndCarriedOnPurchased() throws Exception {
        Map<String, Object> user = Map.of("name", "Ada Lovelace", "email", "ada@fabrikam.example",
                "tenantId", "72f988bf-86f1-41af-91ab-2d7cd011db47", "objectId", "00000000-0000-0000-0000-00000000ada1");

        Map<String, Object> event = mapper.purchased(subscription("PendingFulfillmentStart"), user, "c");
        String html = page.render(event).getBody();

        assertThat(event.get("signedInUser")).isEqualTo(user);
        assertThat(mapper.purchased(subscription("PendingFulfillmentStart"), null, "c")).doesNotContainKey("signedInUser");
        assertThat(html).contains("Signed in as <strong>Ada Lovelace</strong>", "ada@fabrikam.example",
                "72f988bf-86f1-41af-91ab-2d7cd011db47", "00000000-0000-0000-0000-00000000ada1");
    }

    @Test
    void pageCarriesThePublishersNameLogoAndProductLinkAndEscapesWhatMicrosoftSent() throws Exception {
        LandingPage branded = new LandingPage(new LandingProperties(LandingProperties.SignIn.NONE, null, null,
                URI.create("https://login.microsoftonline.com/common/v2.0"), "{baseUrl}/login/oauth2/code/entra",
                Duration.ofSeconds(10), "Fabrikam & Sons", URI.create("https://cdn.fabrikam.example/logo.svg"),
                URI.create("https://app.fabrikam.example/start")));
        Map<String, Object> subscription = subscription("Subscribed");
        subscription.put("name", "<script>alert('x')</script>");

        String html = branded.render(mapper.purchased(subscription, null, "c")).getBody();

        assertThat(html).contains("Fabrikam &amp; Sons", "src=\"https://cdn.fabrikam.example/logo.svg\"",
                "href=\"https://app.fabrikam.example/start\"", "Go to Fabrikam &amp; Sons",
                "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;").doesNotContain("<script>");
    }

    @Test
    void pageReadsOnAPhoneWithoutJavaScriptAndSendsTheTokenToNoOtherSite() throws Exception {
        for (HttpAnswer answer : List.of(page.render(mapper.purchased(subscription("Subscribed"), null, "c")),
                page.forMalformedRequest(), page.forSignInFailure(), page.forSignInUnavailable())) {
            assertThat(answer.getContentType()).startsWith("text/html");
            assertThat(answer.getBody()).contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
                    "<meta name=\"referrer\" content=\"no-referrer\">", "@media (max-width: 30rem)", "Contoso")
                    .doesNotContain("<script");
        }
    }

    @Test
    void signInThatDidNotCompleteOrCannotStartSaysWhatToDo() {
        HttpAnswer refused = page.forSignInFailure();
        HttpAnswer unavailable = page.forSignInUnavailable();

        assertThat(refused.getStatus()).isEqualTo(401);
        assertThat(refused.getBody()).contains("You are not signed in", "Configure account");
        assertThat(unavailable.getStatus()).isEqualTo(503);
        assertThat(unavailable.getRetryAfterSeconds()).isPositive();
        assertThat(unavailable.getBody()).contains("Reload this page in a minute");
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
