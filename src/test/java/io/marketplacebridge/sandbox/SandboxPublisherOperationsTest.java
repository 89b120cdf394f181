package io.marketplacebridge.sandbox;

import static io.marketplacebridge.Logins.basic;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The publisher's side in the sandbox: a change through the bridge's API reaches the simulated marketplace, stays
 * in progress there for a while, succeeds or fails, is confirmed by Microsoft's webhook, and reaches the publisher's
 * systems and the registry's timeline once.
 */
class SandboxPublisherOperationsTest extends SandboxTest {

    private static final String INTEGRATION = basic("integration:sandbox-integration");

    @AfterEach
    void operationsSettleAtOnceAgain() throws Exception {
        send("POST", BASE + "/sandbox/operations/behaviour", "{\"seconds\":0,\"outcome\":\"Succeeded\"}");
    }

    @Test
    void planChangeThroughTheBridgeIsAppliedConfirmedAndDeliveredOnce() throws Exception {
        String id = subscribed();
        send("POST", BASE + "/sandbox/operations/behaviour", "{\"seconds\":2,\"outcome\":\"Succeeded\"}");

        HttpResponse<String> accepted = send("POST", BASE + "/api/subscriptions/" + id + "/plan", "{\"planId\":\"pro\"}",
                "Authorization", INTEGRATION);

        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        String operationId = JSON.readTree(accepted.body()).get("operationId").asText();
        assertThat(JSON.readTree(send("GET", BASE + "/sandbox/subscriptions/" + id, null).body())
                .at("/subscription/planId").asText()).isEqualTo("basic");
        await().atMost(WAIT.multipliedBy(2)).untilAsserted(() -> assertThat(types("provisioning", id)).contains("PlanChanged"));
        assertThat(types("provisioning", id)).containsOnlyOnce("PlanChanged");
        assertThat(JSON.readTree(send("GET", BASE + "/sandbox/subscriptions/" + id, null).body())
                .at("/subscription/planId").asText()).isEqualTo("pro");
        await().atMost(WAIT).untilAsserted(() -> assertThat(operation(operationId).get("status").asText()).isEqualTo("Succeeded"));
        await().atMost(WAIT).untilAsserted(() -> assertThat(JSON.readTree(send("GET", BASE + "/sandbox/subscriptions/" + id
                + "/webhooks", null).body()).findValuesAsText("action")).contains("ChangePlan"));
        JsonNode timeline = JSON.readTree(send("GET", BASE + "/api/subscriptions/" + id + "/events", null,
                "Authorization", INTEGRATION).body());
        assertThat(timeline.get("events").findValuesAsText("type")).containsOnlyOnce("PlanChanged");
    }

    @Test
    void aChangeTheMarketplaceFailsIsPublishedAsOperationFailed() throws Exception {
        String id = subscribed();
        send("POST", BASE + "/sandbox/operations/behaviour", "{\"seconds\":1,\"outcome\":\"Failed\"}");

        HttpResponse<String> accepted = send("POST", BASE + "/api/subscriptions/" + id + "/quantity", "{\"quantity\":9}",
                "Authorization", INTEGRATION);

        String operationId = JSON.readTree(accepted.body()).get("operationId").asText();
        await().atMost(WAIT.multipliedBy(2)).untilAsserted(() -> assertThat(operation(operationId).get("status").asText()).isEqualTo("Failed"));
        await().atMost(WAIT).untilAsserted(() -> assertThat(types("billing", id)).contains("OperationFailed"));
        assertThat(JSON.readTree(send("GET", BASE + "/sandbox/subscriptions/" + id, null).body())
                .at("/subscription/quantity").asInt()).isEqualTo(5);
    }

    private String subscribed() throws Exception {
        JsonNode purchase = JSON.readTree(send("POST", BASE + "/sandbox/purchases", "{\"planId\":\"basic\",\"quantity\":5}").body());
        String id = purchase.get("subscriptionId").asText();
        send("GET", purchase.get("landingUrl").asText(), null);
        await().atMost(WAIT).untilAsserted(() -> assertThat(types("provisioning", id)).contains("Activated"));
        return id;
    }

    private JsonNode operation(String operationId) throws Exception {
        return JSON.readTree(send("GET", BASE + "/api/operations/" + operationId, null, "Authorization", INTEGRATION).body());
    }

    private List<String> types(String system, String id) throws Exception {
        List<String> types = new ArrayList<>();
        JSON.readTree(send("GET", BASE + "/sandbox/deliveries?system=" + system + "&subscriptionId=" + id, null).body())
                .forEach(delivery -> types.add(delivery.at("/body/type").asText()));
        return types;
    }
}
