package io.marketplacebridge.sandbox;

import static io.marketplacebridge.Logins.basic;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The sandbox end to end, as a new user meets it: buy, land, activate, with the recording systems answering as
 * told.
 */
class SandboxFlowTest extends SandboxTest {

    private static final String FULFILLMENT_API = BASE + "/sandbox/marketplace/api/saas/subscriptions";
    private static final String API_VERSION = "api-version=2018-08-31";
    private static final String BEARER = "Bearer sandbox-not-a-secret";

    @AfterEach
    void everySystemAnswers200Again() throws Exception {
        for (String system : List.of("provisioning", "billing", "crm")) {
            send("POST", BASE + "/sandbox/recorder/" + system + "/behaviour", "{\"status\":200}");
        }
    }

    @Test
    void purchaseOpenedOnTheLandingPageIsProvisionedAndActivatedOnce() throws Exception {
        JsonNode purchase = purchase("{\"offerId\":\"bridge-offer\",\"planId\":\"basic\",\"quantity\":7,\"csp\":false}");
        String id = purchase.get("subscriptionId").asText();

        HttpResponse<String> landing = send("GET", purchase.get("landingUrl").asText(), null);

        assertThat(purchase.get("landingUrl").asText()).startsWith(BASE + "/landing?token=").contains("%2B", "%2F", "%3D");
        assertThat(landing.statusCode()).isEqualTo(200);
        assertThat(landing.body()).contains(id, "basic", "<td>7</td>");
        await().atMost(WAIT).untilAsserted(() -> assertThat(deliveries("provisioning", id))
                .extracting(delivery -> delivery.get("idempotencyKey").asText())
                .containsExactly("purchase:" + id, "activated:" + id));
        List<JsonNode> delivered = deliveries("provisioning", id);
        assertThat(delivered.get(0).at("/body/type").asText()).isEqualTo("Purchased");
        assertThat(delivered.get(0).at("/body/subscription/saasSubscriptionStatus").asText()).isEqualTo("PendingFulfillmentStart");
        assertThat(delivered.get(0).at("/body/subscription/quantity").asInt()).isEqualTo(7);
        assertThat(delivered.get(1).at("/body/type").asText()).isEqualTo("Activated");
        assertThat(delivered.get(1).at("/body/subscription/saasSubscriptionStatus").asText()).isEqualTo("Subscribed");
        JsonNode view = view(id);
        assertThat(view.at("/subscription/saasSubscriptionStatus").asText()).isEqualTo("Subscribed");
        assertThat(view.get("activateCalls").asInt()).isEqualTo(1);
        assertThat(view.at("/activations/0/planId").asText()).isEqualTo("basic");
        assertThat(view.at("/activations/0/quantity").asInt()).isEqualTo(7);
        assertThat(view.at("/activations/0/answer").asInt()).isEqualTo(200);
    }

    @Test
    void cspPurchaseKeepsResellerAndCustomerApartThroughToProvisioning() throws Exception {
        JsonNode purchase = purchase("{\"offerId\":\"bridge-offer\",\"planId\":\"pro\",\"quantity\":3,\"csp\":true}");
        String id = purchase.get("subscriptionId").asText();
        JsonNode sold = view(id).get("subscription");

        HttpResponse<String> landing = send("GET", purchase.get("landingUrl").asText(), null);

        assertThat(landing.statusCode()).isEqualTo(200);
        assertThat(landing.body()).contains(sold.at("/purchaser/emailId").asText(), sold.at("/beneficiary/emailId").asText(),
                "reseller (CSP)");
        await().atMost(WAIT).untilAsserted(() -> assertThat(deliveries("provisioning", id)).isNotEmpty());
        JsonNode delivered = deliveries("provisioning", id).get(0).at("/body/subscription");
        assertThat(delivered.at("/purchaser/tenantId").asText()).isEqualTo(sold.at("/purchaser/tenantId").asText())
                .isNotEqualTo(delivered.at("/beneficiary/tenantId").asText());
        assertThat(delivered.at("/beneficiary/tenantId").asText()).isEqualTo(sold.at("/beneficiary/tenantId").asText());
        assertThat(delivered.at("/purchaser/emailId").asText()).isNotEqualTo(delivered.at("/beneficiary/emailId").asText());
        assertThat(delivered.get("sandboxType").asText()).isEqualTo("Csp");
        assertThat(delivered.get("allowedCustomerOperations")).hasSize(1);
        assertThat(delivered.at("/allowedCustomerOperations/0").asText()).isEqualTo("Read");
    }

    @Test
    void provisioningThatIsNotReadyHoldsActivationUntilTheTenantReadyCallback() throws Exception {
        send("POST", BASE + "/sandbox/recorder/provisioning/behaviour", "{\"status\":202}");
        JsonNode purchase = purchase("{\"planId\":\"basic\",\"quantity\":2}");
        String id = purchase.get("subscriptionId").asText();

        assertThat(send("GET", purchase.get("landingUrl").asText(), null).statusCode()).isEqualTo(200);

        await().atMost(WAIT).untilAsserted(() -> assertThat(deliveries("provisioning", id))
                .extracting(delivery -> delivery.get("answer").asInt()).containsExactly(202));
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4)).untilAsserted(() -> {
            assertThat(view(id).at("/subscription/saasSubscriptionStatus").asText()).isEqualTo("PendingFulfillmentStart");
            assertThat(view(id).get("activateCalls").asInt()).isZero();
        });

        HttpResponse<String> ready = send("POST", BASE + "/api/subscriptions/" + id + "/activation", "",
                "Authorization", basic("admin:sandbox-admin"));

        assertThat(ready.statusCode()).isEqualTo(202);
        await().atMost(WAIT).untilAsserted(() -> assertThat(view(id).at("/subscription/saasSubscriptionStatus").asText())
                .isEqualTo("Subscribed"));
        await().atMost(WAIT).untilAsserted(() -> assertThat(deliveries("provisioning", id))
                .extracting(delivery -> delivery.get("idempotencyKey").asText())
                .containsExactly("purchase:" + id, "activated:" + id));
        assertThat(view(id).get("activateCalls").asInt()).isEqualTo(1);
    }

    @Test
    void fulfillmentApiWantsTheBearerTokenAndTheApiVersion() throws Exception {
        HttpResponse<String> noToken = send("GET", FULFILLMENT_API + "?" + API_VERSION, null, "x-ms-correlationid", "corr-1");
        HttpResponse<String> wrongToken = send("GET", FULFILLMENT_API + "?" + API_VERSION, null, "Authorization", "Bearer guessed");
        HttpResponse<String> noVersion = send("GET", FULFILLMENT_API, null, "Authorization", BEARER);
        HttpResponse<String> allRight = send("GET", FULFILLMENT_API + "?" + API_VERSION, null, "Authorization", BEARER);

        assertThat(noToken.statusCode()).isEqualTo(401);
        assertThat(JSON.readTree(noToken.body()).get("code").asText()).isEqualTo("Unauthorized");
        assertThat(noToken.headers().firstValue("x-ms-correlationid")).hasValue("corr-1");
        assertThat(noToken.headers().firstValue("x-ms-requestid")).isPresent();
        assertThat(wrongToken.statusCode()).isEqualTo(401);
        assertThat(noVersion.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(noVersion.body()).get("message").asText()).contains("api-version");
        assertThat(allRight.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(allRight.body()).get("subscriptions").isArray()).isTrue();
    }

    @Test
    void resolveRefusesATokenTheMarketplaceNeverIssued() throws Exception {
        JsonNode purchase = purchase("{\"planId\":\"flat\"}");

        HttpResponse<String> unknown = microsoft("POST", "/resolve", "", "x-ms-marketplace-token", "bm90LWlzc3VlZA+/==");
        HttpResponse<String> known = microsoft("POST", "/resolve", "", "x-ms-marketplace-token", purchase.get("token").asText());

        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(unknown.body()).get("code").asText()).isEqualTo("BadArgument");
        assertThat(known.statusCode()).isEqualTo(200);
        JsonNode resolved = JSON.readTree(known.body());
        assertThat(resolved.get("id").asText()).isEqualTo(purchase.get("subscriptionId").asText());
        assertThat(resolved.get("planId").asText()).isEqualTo("flat");
        assertThat(resolved.has("quantity")).isFalse();
        assertThat(resolved.at("/subscription/saasSubscriptionStatus").asText()).isEqualTo("PendingFulfillmentStart");
    }

    @Test
    void activateWithAnotherPlanOrQuantityThanPurchasedIsRefused() throws Exception {
        String id = purchase("{\"planId\":\"basic\",\"quantity\":5}").get("subscriptionId").asText();

        HttpResponse<String> wrongPlan = microsoft("POST", "/" + id + "/activate", "{\"planId\":\"pro\",\"quantity\":5}");
        HttpResponse<String> wrongQuantity = microsoft("POST", "/" + id + "/activate", "{\"planId\":\"basic\",\"quantity\":6}");
        HttpResponse<String> right = microsoft("POST", "/" + id + "/activate", "{\"planId\":\"basic\",\"quantity\":5}");
        HttpResponse<String> again = microsoft("POST", "/" + id + "/activate", "{\"planId\":\"basic\",\"quantity\":5}");

        assertThat(wrongPlan.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(wrongPlan.body()).get("message").asText()).contains("planId");
        assertThat(wrongQuantity.statusCode()).isEqualTo(400);
        assertThat(right.statusCode()).isEqualTo(200);
        assertThat(right.body()).isEmpty();
        assertThat(again.statusCode()).isEqualTo(400);
        JsonNode view = view(id);
        assertThat(view.at("/subscription/saasSubscriptionStatus").asText()).isEqualTo("Subscribed");
        assertThat(view.get("activateCalls").asInt()).isEqualTo(4);
        assertThat(view.get("activations").findValuesAsText("answer")).containsExactly("400", "400", "200", "400");
    }

    @Test
    void changesAndCancelAnswer202WithAnAbsoluteOperationLocation() throws Exception {
        String id = purchase("{\"planId\":\"basic\",\"quantity\":5}").get("subscriptionId").asText();
        microsoft("POST", "/" + id + "/activate", "{\"planId\":\"basic\",\"quantity\":5}");

        HttpResponse<String> changePlan = microsoft("PATCH", "/" + id, "{\"planId\":\"pro\"}");
        HttpResponse<String> changeQuantity = microsoft("PATCH", "/" + id, "{\"quantity\":8}");
        HttpResponse<String> both = microsoft("PATCH", "/" + id, "{\"planId\":\"basic\",\"quantity\":9}");
        HttpResponse<String> cancel = microsoft("DELETE", "/" + id, null);

        assertThat(changePlan.statusCode()).isEqualTo(202);
        String location = changePlan.headers().firstValue("Operation-Location").orElseThrow();
        assertThat(location).startsWith(FULFILLMENT_API + "/" + id + "/operations/").endsWith("?" + API_VERSION);
        JsonNode operation = JSON.readTree(send("GET", location, null, "Authorization", BEARER).body());
        assertThat(operation.get("action").asText()).isEqualTo("ChangePlan");
        assertThat(operation.get("status").asText()).isEqualTo("Succeeded");
        assertThat(operation.get("planId").asText()).isEqualTo("pro");
        assertThat(changeQuantity.statusCode()).isEqualTo(202);
        assertThat(both.statusCode()).isEqualTo(400);
        assertThat(cancel.statusCode()).isEqualTo(202);
        assertThat(cancel.headers().firstValue("Operation-Location")).isPresent();
        JsonNode subscription = JSON.readTree(microsoft("GET", "/" + id, null).body());
        assertThat(subscription.get("planId").asText()).isEqualTo("pro");
        assertThat(subscription.get("quantity").asInt()).isEqualTo(8);
        assertThat(subscription.get("saasSubscriptionStatus").asText()).isEqualTo("Unsubscribed");
        assertThat(microsoft("POST", "/" + id + "/activate", "{\"planId\":\"pro\",\"quantity\":8}").statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(microsoft("GET", "/" + id + "/operations", null).body()).get("operations")).isEmpty();
    }

    @Test
    void unknownSubscriptionsAndOperationsAre404() throws Exception {
        String id = purchase("{\"planId\":\"basic\",\"quantity\":1}").get("subscriptionId").asText();
        String unknown = UUID.randomUUID().toString();

        assertThat(microsoft("GET", "/" + unknown, null).statusCode()).isEqualTo(404);
        assertThat(microsoft("GET", "/" + id + "/operations/" + unknown, null).statusCode()).isEqualTo(404);
        assertThat(microsoft("PATCH", "/" + id + "/operations/" + unknown, "{\"status\":\"Success\"}").statusCode()).isEqualTo(404);
        assertThat(send("GET", BASE + "/sandbox/subscriptions/" + unknown, null).statusCode()).isEqualTo(404);
    }

    @Test
    void listAvailablePlansShowsTheOfferWithMicrosoftsFieldNames() throws Exception {
        String id = purchase("{\"planId\":\"basic\",\"quantity\":1}").get("subscriptionId").asText();

        JsonNode plans = JSON.readTree(microsoft("GET", "/" + id + "/listAvailablePlans", null).body()).get("plans");

        assertThat(plans.findValuesAsText("planId")).containsExactly("basic", "pro", "flat");
        assertThat(plans.get(0).get("isPricePerSeat").asBoolean()).isTrue();
        assertThat(plans.get(0).get("maxQuantity").asInt()).isEqualTo(100);
        assertThat(plans.get(2).get("isPricePerSeat").asBoolean()).isFalse();
    }

    @Test
    void purchaseRefusesUnknownPlansAndImpossibleQuantities() throws Exception {
        HttpResponse<String> unknownPlan = send("POST", BASE + "/sandbox/purchases", "{\"planId\":\"gold\",\"quantity\":1}");
        HttpResponse<String> noSeats = send("POST", BASE + "/sandbox/purchases", "{\"planId\":\"basic\",\"quantity\":0}");
        HttpResponse<String> tooManySeats = send("POST", BASE + "/sandbox/purchases", "{\"planId\":\"basic\",\"quantity\":101}");
        HttpResponse<String> seatsOnAFlatPlan = send("POST", BASE + "/sandbox/purchases", "{\"planId\":\"flat\",\"quantity\":3}");
        HttpResponse<String> notJson = send("POST", BASE + "/sandbox/purchases", "{plan");

        assertThat(unknownPlan.statusCode()).isEqualTo(400);
        assertThat(unknownPlan.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(JSON.readTree(unknownPlan.body()).get("detail").asText()).contains("gold", "basic, pro, flat");
        assertThat(noSeats.statusCode()).isEqualTo(400);
        assertThat(tooManySeats.statusCode()).isEqualTo(400);
        assertThat(seatsOnAFlatPlan.statusCode()).isEqualTo(400);
        assertThat(notJson.statusCode()).isEqualTo(400);
    }

    @Test
    void recorderAnswersAsToldAndRecordsWhatItReceived() throws Exception {
        String key = "test:" + UUID.randomUUID();
        send("POST", BASE + "/sandbox/recorder/crm/behaviour", "{\"status\":503}");

        HttpResponse<String> outage = send("POST", BASE + "/sandbox/recorder/crm", "{\"type\":\"Probe\",\"n\":1}",
                "Idempotency-Key", key);
        send("POST", BASE + "/sandbox/recorder/crm/behaviour", "{\"status\":200}");
        HttpResponse<String> fine = send("POST", BASE + "/sandbox/recorder/crm", "{\"type\":\"Probe\",\"n\":2}",
                "Idempotency-Key", key);

        assertThat(outage.statusCode()).isEqualTo(503);
        assertThat(fine.statusCode()).isEqualTo(200);
        List<JsonNode> recorded = new ArrayList<>();
        JSON.readTree(send("GET", BASE + "/sandbox/deliveries?system=crm", null).body()).forEach(delivery -> {
            if (key.equals(delivery.get("idempotencyKey").asText())) {
                recorded.add(delivery);
            }
        });
        assertThat(recorded).extracting(delivery -> delivery.get("answer").asInt()).containsExactly(503, 200);
        assertThat(recorded).extracting(delivery -> delivery.at("/body/n").asInt()).containsExactly(1, 2);
        assertThat(recorded.get(0).get("method").asText()).isEqualTo("POST");
        JsonNode grouped = JSON.readTree(send("GET", BASE + "/sandbox/deliveries", null).body());
        assertThat(grouped.fieldNames()).toIterable().containsExactly("provisioning", "billing", "crm");
        assertThat(send("POST", BASE + "/sandbox/recorder/erp", "{}").statusCode()).isEqualTo(404);
        assertThat(send("GET", BASE + "/sandbox/deliveries?system=erp", null).statusCode()).isEqualTo(400);
    }

    @Test
    void sandboxPageIsServed() throws Exception {
        HttpResponse<String> page = send("GET", BASE + "/sandbox", null);

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("text/html"));
        assertThat(page.body()).contains("Buy a test subscription", "as a CSP reseller", "webhook-actions",
                "The bridge's registry", "/api/subscriptions/${timelineOf}/events", "Change plan (publisher)");
    }

    private JsonNode purchase(String body) throws Exception {
        HttpResponse<String> response = send("POST", BASE + "/sandbox/purchases", body);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return JSON.readTree(response.body());
    }

    private JsonNode view(String id) throws Exception {
        return JSON.readTree(send("GET", BASE + "/sandbox/subscriptions/" + id, null).body());
    }

    private List<JsonNode> deliveries(String system, String id) throws Exception {
        List<JsonNode> deliveries = new ArrayList<>();
        JSON.readTree(send("GET", BASE + "/sandbox/deliveries?system=" + system + "&subscriptionId=" + id, null).body())
                .forEach(deliveries::add);
        return deliveries;
    }

    /** A call to the simulated Fulfillment API with the sandbox's bearer token and the api-version. */
    private HttpResponse<String> microsoft(String method, String path, String body, String... headers) throws Exception {
        String[] all = new String[headers.length + 2];
        all[0] = "Authorization";
        all[1] = BEARER;
        System.arraycopy(headers, 0, all, 2, headers.length);
        return send(method, FULFILLMENT_API + path + "?" + API_VERSION, body, all);
    }
}
