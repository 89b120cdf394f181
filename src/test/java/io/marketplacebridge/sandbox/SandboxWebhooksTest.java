package io.marketplacebridge.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The sandbox's webhooks end to end: the simulator starts an action on Microsoft's side, signs its webhook call with
 * its own Entra ID key, the bridge checks that token for real, verifies the operation through the simulated
 * Fulfillment API, acknowledges it there, and the publisher's recording systems receive the event.
 */
class SandboxWebhooksTest extends SandboxTest {


    @Test
    void planChangeFromMicrosoftIsAcknowledgedAppliedAndDelivered() throws Exception {
        String id = activeSubscription("{\"planId\":\"basic\",\"quantity\":5}");

        HttpResponse<String> fired = send("POST", BASE + "/sandbox/subscriptions/" + id + "/webhooks", "{\"action\":\"ChangePlan\",\"planId\":\"pro\"}");

        assertThat(fired.statusCode()).isEqualTo(202);
        String operation = JSON.readTree(fired.body()).get("operationId").asText();
        await().atMost(WAIT).untilAsserted(() -> assertThat(view(id).at("/subscription/planId").asText()).isEqualTo("pro"));
        JsonNode settled = operation(id, operation);
        assertThat(settled.get("status").asText()).isEqualTo("Succeeded");
        assertThat(settled.at("/updates/0/status").asText()).isEqualTo("Success");
        assertThat(settled.at("/updates/0/answer").asInt()).isEqualTo(200);
        await().atMost(WAIT).untilAsserted(() -> assertThat(eventTypes(id)).containsExactly("Purchased", "Activated", "PlanChanged"));
        assertThat(delivered(id, operation).get("idempotencyKey").asText()).isEqualTo(operation);
        JsonNode attempts = JSON.readTree(send("GET", BASE + "/sandbox/subscriptions/" + id + "/webhooks", null).body())
                .at("/deliveries/0/attempts");
        assertThat(attempts).hasSize(1);
        assertThat(attempts.get(0).get("answer").asInt()).isEqualTo(200);
    }

    @Test
    void everyActionReachesTheBridgeAndChangesTheSubscriptionAsMicrosoftWould() throws Exception {
        String id = activeSubscription("{\"planId\":\"basic\",\"quantity\":5}");

        fire(id, "{\"action\":\"ChangeQuantity\",\"quantity\":12}");
        await().atMost(WAIT).untilAsserted(() -> assertThat(view(id).at("/subscription/quantity").asInt()).isEqualTo(12));
        fire(id, "{\"action\":\"Suspend\"}");
        assertThat(view(id).at("/subscription/saasSubscriptionStatus").asText()).isEqualTo("Suspended");
        fire(id, "{\"action\":\"Reinstate\"}");
        await().atMost(WAIT).untilAsserted(() -> assertThat(view(id).at("/subscription/saasSubscriptionStatus").asText())
                .isEqualTo("Subscribed"));
        fire(id, "{\"action\":\"Renew\"}");
        fire(id, "{\"action\":\"Unsubscribe\"}");

        await().atMost(WAIT).untilAsserted(() -> assertThat(eventTypes(id)).containsExactly("Purchased", "Activated",
                "QuantityChanged", "Suspended", "Reinstated", "Renewed", "Unsubscribed"));
        assertThat(view(id).at("/subscription/saasSubscriptionStatus").asText()).isEqualTo("Unsubscribed");
        List<String> acknowledged = new ArrayList<>();
        view(id).get("operations").forEach(operation -> {
            if (operation.get("updates").size() > 0) {
                acknowledged.add(operation.get("action").asText() + ":" + operation.at("/updates/0/status").asText());
            }
        });
        assertThat(acknowledged).containsExactly("ChangeQuantity:Success", "Reinstate:Success");
    }

    @Test
    void actionMicrosoftWouldNotAllowIsRefusedWithoutWebhook() throws Exception {
        String id = activeSubscription("{\"planId\":\"flat\"}");

        HttpResponse<String> reinstate = send("POST", BASE + "/sandbox/subscriptions/" + id + "/webhooks", "{\"action\":\"Reinstate\"}");
        HttpResponse<String> seats = send("POST", BASE + "/sandbox/subscriptions/" + id + "/webhooks",
                "{\"action\":\"ChangeQuantity\",\"quantity\":3}");

        assertThat(reinstate.statusCode()).isEqualTo(400);
        assertThat(reinstate.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(seats.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(send("GET", BASE + "/sandbox/subscriptions/" + id + "/webhooks", null).body()).get("deliveries"))
                .isEmpty();
    }

    @Test
    void keySetHoldsOnlyThePublicKey() throws Exception {
        JsonNode keys = JSON.readTree(send("GET", BASE + "/sandbox/marketplace/jwks", null).body()).get("keys");

        assertThat(keys).hasSize(1);
        assertThat(keys.get(0).get("kty").asText()).isEqualTo("RSA");
        assertThat(keys.get(0).has("n")).isTrue();
        assertThat(keys.get(0).has("d")).isFalse();
        assertThat(keys.get(0).has("p")).isFalse();
    }

    @Test
    void bridgeRefusesAWebhookTheSimulatorDidNotSign() throws Exception {
        String id = activeSubscription("{\"planId\":\"basic\",\"quantity\":5}");
        String notification = "{\"id\":\"" + UUID.randomUUID() + "\",\"subscriptionId\":\"" + id + "\",\"action\":\"Suspend\"}";

        HttpResponse<String> unsigned = send("POST", BASE + "/api/webhook", notification, "Authorization",
                "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.");

        assertThat(unsigned.statusCode()).isEqualTo(401);
        assertThat(view(id).at("/subscription/saasSubscriptionStatus").asText()).isEqualTo("Subscribed");
    }

    private String activeSubscription(String purchase) throws Exception {
        JsonNode bought = JSON.readTree(send("POST", BASE + "/sandbox/purchases", purchase).body());
        String id = bought.get("subscriptionId").asText();
        assertThat(send("GET", bought.get("landingUrl").asText(), null).statusCode()).isEqualTo(200);
        await().atMost(WAIT).untilAsserted(() -> assertThat(view(id).at("/subscription/saasSubscriptionStatus").asText())
                .isEqualTo("Subscribed"));
        return id;
    }

    private void fire(String id, String request) throws Exception {
        HttpResponse<String> fired = send("POST", BASE + "/sandbox/subscriptions/" + id + "/webhooks", request);
        assertThat(fired.statusCode()).as(fired.body()).isEqualTo(202);
    }

    private JsonNode view(String id) throws Exception {
        return JSON.readTree(send("GET", BASE + "/sandbox/subscriptions/" + id, null).body());
    }

    private JsonNode operation(String id, String operationId) throws Exception {
        for (JsonNode operation : view(id).get("operations")) {
            if (operation.get("id").asText().equals(operationId)) {
                return operation;
            }
        }
        throw new AssertionError("No operation " + operationId);
    }

    private List<String> eventTypes(String id) throws Exception {
        List<String> types = new ArrayList<>();
        provisioning(id).forEach(delivery -> types.add(delivery.at("/body/type").asText()));
        return types;
    }

    private JsonNode delivered(String id, String eventId) throws Exception {
        for (JsonNode delivery : provisioning(id)) {
            if (delivery.at("/body/eventId").asText().equals(eventId)) {
                return delivery;
            }
        }
        throw new AssertionError("No delivery of " + eventId);
    }

    private JsonNode provisioning(String id) throws Exception {
        return JSON.readTree(send("GET", BASE + "/sandbox/deliveries?system=provisioning&subscriptionId=" + id, null).body());
    }
}
