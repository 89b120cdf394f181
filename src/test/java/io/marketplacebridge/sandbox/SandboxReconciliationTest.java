package io.marketplacebridge.sandbox;

import static io.marketplacebridge.Logins.basic;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The sandbox sells what reconciliation is for: a plan Microsoft activates itself (a {@code Subscribe} webhook, no
 * landing), a change made at Microsoft whose webhook is never sent, a purchase whose landing link nobody opens; and
 * its List Subscriptions comes in pages.
 */
class SandboxReconciliationTest extends SandboxTest {

    private static final String OPERATOR = basic("admin:sandbox-admin");
    private static final Duration RUN = Duration.ofSeconds(60);

    @Test
    void anAutoActivatedPlanIsSubscribedAtOnceAndReachesProvisioningWithoutActivate() throws Exception {
        String id = purchase("{\"planId\":\"basic\",\"quantity\":5,\"autoActivate\":true}");

        assertThat(view(id).at("/subscription/saasSubscriptionStatus").asText()).isEqualTo("Subscribed");
        await().atMost(WAIT).untilAsserted(() -> assertThat(deliveries("provisioning", id))
                .extracting(delivery -> delivery.get("idempotencyKey").asText())
                .containsExactly("purchase:" + id, "activated:" + id));
        assertThat(deliveries("provisioning", id).get(0).at("/body/source").asText()).isEqualTo("webhook");
        JsonNode webhook = JSON.readTree(send("GET", BASE + "/sandbox/subscriptions/" + id + "/webhooks", null).body())
                .at("/deliveries/0");
        assertThat(webhook.get("action").asText()).isEqualTo("Subscribe");
        assertThat(webhook.at("/attempts/0/answer").asInt()).isEqualTo(200);
        await().during(Duration.ofSeconds(1)).atMost(WAIT).untilAsserted(() -> assertThat(view(id).get("activateCalls").asInt()).isZero());
    }

    @Test
    void aSuspensionMicrosoftNeverSentAndAPurchaseNobodyLandedAreRepairedByReconciliation() throws Exception {
        String suspended = purchase("{\"planId\":\"pro\",\"quantity\":3,\"autoActivate\":true}");
        await().atMost(WAIT).until(() -> deliveries("provisioning", suspended).size() == 2);
        String neverLanded = purchase("{\"planId\":\"flat\"}");

        HttpResponse<String> fired = send("POST", BASE + "/sandbox/subscriptions/" + suspended + "/webhooks",
                "{\"action\":\"Suspend\",\"deliver\":false}");

        assertThat(fired.statusCode()).isEqualTo(202);
        assertThat(JSON.readTree(fired.body()).get("delivered").asBoolean()).isFalse();
        assertThat(view(suspended).at("/subscription/saasSubscriptionStatus").asText()).isEqualTo("Suspended");
        assertThat(JSON.readTree(send("GET", BASE + "/sandbox/subscriptions/" + suspended + "/webhooks", null).body())
                .get("deliveries")).hasSize(1);

        HttpResponse<String> accepted = send("POST", BASE + "/api/admin/reconcile", null, "Authorization", OPERATOR);
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        String runId = JSON.readTree(accepted.body()).get("runId").asText();
        JsonNode run = await().atMost(RUN).until(() -> JSON.readTree(send("GET", BASE + "/api/admin/reconcile/" + runId, null,
                "Authorization", OPERATOR).body()), node -> "Completed".equals(node.get("status").asText()));

        assertThat(run.get("drift").findValuesAsText("subscriptionId")).contains(suspended);
        assertThat(run.get("purchases").findValuesAsText("subscriptionId")).contains(neverLanded);
        await().atMost(WAIT).untilAsserted(() -> assertThat(deliveries("provisioning", suspended))
                .anySatisfy(delivery -> {
                    assertThat(delivery.at("/body/type").asText()).isEqualTo("Snapshot");
                    assertThat(delivery.at("/body/subscription/saasSubscriptionStatus").asText()).isEqualTo("Suspended");
                }));
        await().atMost(WAIT).untilAsserted(() -> assertThat(deliveries("provisioning", neverLanded))
                .extracting(delivery -> delivery.at("/body/type").asText()).containsExactly("Purchased", "Activated"));
        assertThat(view(neverLanded).at("/subscription/saasSubscriptionStatus").asText()).isEqualTo("Subscribed");
    }

    @Test
    void listSubscriptionsComesInPagesLinkedByNextLink() throws Exception {
        for (int i = 0; i < 3; i++) {
            purchase("{\"planId\":\"flat\"}");
        }
        int all = JSON.readTree(send("GET", BASE + "/sandbox/subscriptions", null).body()).get("subscriptions").size();

        List<String> seen = new ArrayList<>();
        String page = BASE + "/sandbox/marketplace/api/saas/subscriptions?api-version=2018-08-31";
        int pages = 0;
        while (page != null) {
            JsonNode answer = JSON.readTree(send("GET", page, null, "Authorization", "Bearer sandbox-not-a-secret").body());
            answer.get("subscriptions").forEach(subscription -> seen.add(subscription.get("id").asText()));
            page = answer.hasNonNull("@nextLink") ? answer.get("@nextLink").asText() : null;
            assertThat(page).satisfiesAnyOf(link -> assertThat(link).isNull(), link -> assertThat(link)
                    .startsWith(BASE + "/sandbox/marketplace/api/saas/subscriptions/?continuationToken=").contains("api-version="));
            pages++;
        }

        assertThat(seen).hasSize(all).doesNotHaveDuplicates();
        assertThat(pages).isEqualTo((all + 1) / 2);
    }

    private String purchase(String body) throws Exception {
        HttpResponse<String> response = send("POST", BASE + "/sandbox/purchases", body);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return JSON.readTree(response.body()).get("subscriptionId").asText();
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
}
