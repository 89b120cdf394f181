package io.marketplacebridge.marketplace;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.patch;
import static com.github.tomakehurst.wiremock.client.WireMock.patchRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import io.marketplacebridge.BridgeTest;
import java.util.Map;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** marketplace-api.camel.yaml: token, ids, and the retry rules of every Fulfillment API call. */
class MarketplaceApiFlowTest extends BridgeTest {

    private static final String GUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

    @Autowired
    ProducerTemplate template;

    @Test
    void sendsTokenApiVersionRequestAndCorrelationIds() {
        String id = newSubscriptionId();
        stubSubscription(id, "Subscribed", "basic", 3);

        Exchange answer = call("direct:marketplace-get-subscription", id, null, "corr-" + id);

        assertThat(answer.getException()).isNull();
        assertThat(answer.getMessage().getBody(Map.class)).containsEntry("id", id).containsEntry("quantity", 3);
        MICROSOFT.verify(1, getRequestedFor(urlPathEqualTo("/api/saas/subscriptions/" + id))
                .withQueryParam("api-version", equalTo("2018-08-31"))
                .withHeader("Authorization", equalTo("Bearer test-token"))
                .withHeader("x-ms-requestid", matching(GUID))
                .withHeader("x-ms-correlationid", equalTo("corr-" + id))
                .withoutHeader("bridgeSubscriptionId"));
    }

    @Test
    void throttledCallWaitsForRetryAfterThenSucceeds() {
        String id = newSubscriptionId();
        stubFirstThen(id, aResponse().withStatus(429).withHeader("Retry-After", "1"));

        Exchange answer = call("direct:marketplace-get-subscription", id, null, null);

        assertThat(answer.getException()).isNull();
        assertThat(answer.getMessage().getBody(Map.class)).containsEntry("id", id);
        MICROSOFT.verify(2, getRequestedFor(urlPathEqualTo("/api/saas/subscriptions/" + id)));
    }

    @Test
    void serverErrorOfASafeCallIsRetried() {
        String id = newSubscriptionId();
        stubFirstThen(id, aResponse().withStatus(503));

        Exchange answer = call("direct:marketplace-get-subscription", id, null, null);

        assertThat(answer.getException()).isNull();
        MICROSOFT.verify(2, getRequestedFor(urlPathEqualTo("/api/saas/subscriptions/" + id)));
    }

    @Test
    void refusedTokenIsRefreshedOnceAndTheCallRetried() {
        String id = newSubscriptionId();
        stubFirstThen(id, aResponse().withStatus(401));

        Exchange answer = call("direct:marketplace-get-subscription", id, null, null);

        assertThat(answer.getException()).isNull();
        MICROSOFT.verify(2, getRequestedFor(urlPathEqualTo("/api/saas/subscriptions/" + id)));
    }

    @Test
    void persistentRefusalFailsAfterOneRefresh() {
        String id = newSubscriptionId();
        MICROSOFT.stubFor(get(urlPathEqualTo("/api/saas/subscriptions/" + id)).willReturn(aResponse().withStatus(403)));

        Exchange answer = call("direct:marketplace-get-subscription", id, null, null);

        assertThat(answer.getException()).isInstanceOf(MarketplaceApiException.class);
        assertThat(((MarketplaceApiException) answer.getException()).getStatus()).isEqualTo(403);
        MICROSOFT.verify(2, getRequestedFor(urlPathEqualTo("/api/saas/subscriptions/" + id)));
    }

    @Test
    void activateIsNotRetriedOnServerError() {
        String id = newSubscriptionId();
        MICROSOFT.stubFor(post(urlPathEqualTo("/api/saas/subscriptions/" + id + "/activate")).willReturn(aResponse().withStatus(500)));

        Exchange answer = call("direct:marketplace-activate", id, Map.of("planId", "basic", "quantity", 4), null);

        assertThat(answer.getException()).isInstanceOf(MarketplaceApiException.class)
                .hasMessageContaining("activate").hasMessageContaining("500");
        MICROSOFT.verify(1, postRequestedFor(urlPathEqualTo("/api/saas/subscriptions/" + id + "/activate"))
                .withRequestBody(equalToJson("{\"planId\":\"basic\",\"quantity\":4}")));
    }

    @Test
    void updateOperationSendsTheStatusAndReturnsNoBody() {
        String id = newSubscriptionId();
        String operation = newSubscriptionId();
        String path = "/api/saas/subscriptions/" + id + "/operations/" + operation;
        MICROSOFT.stubFor(patch(urlPathEqualTo(path)).willReturn(aResponse().withStatus(200)));

        Exchange answer = template.request("direct:marketplace-update-operation", exchange -> {
            exchange.getMessage().setHeader("bridgeSubscriptionId", id);
            exchange.getMessage().setHeader("bridgeOperationId", operation);
            exchange.getMessage().setBody(Map.of("status", "Success"));
        });

        assertThat(answer.getException()).isNull();
        MICROSOFT.verify(1, patchRequestedFor(urlPathEqualTo(path)).withRequestBody(equalToJson("{\"status\":\"Success\"}")));
    }

    @Test
    void unknownSubscriptionFailsWith404WithoutRetry() {
        String id = newSubscriptionId();

        Exchange answer = call("direct:marketplace-get-subscription", id, null, null);

        assertThat(answer.getException()).isInstanceOf(MarketplaceApiException.class);
        assertThat(((MarketplaceApiException) answer.getException()).getStatus()).isEqualTo(404);
        MICROSOFT.verify(1, getRequestedFor(urlPathEqualTo("/api/saas/subscriptions/" + id)));
    }

    private Exchange call(String uri, String subscriptionId, Object body, String correlationId) {
        return template.request(uri, exchange -> {
            exchange.getMessage().setHeader("bridgeSubscriptionId", subscriptionId);
            exchange.getMessage().setHeader("bridgeCorrelationId", correlationId);
            exchange.getMessage().setBody(body);
        });
    }

    private static void stubFirstThen(String id, ResponseDefinitionBuilder first) {
        String scenario = "first-fails-" + id;
        MICROSOFT.stubFor(get(urlPathEqualTo("/api/saas/subscriptions/" + id)).inScenario(scenario)
                .whenScenarioStateIs(Scenario.STARTED).willReturn(first).willSetStateTo("recovered"));
        MICROSOFT.stubFor(get(urlPathEqualTo("/api/saas/subscriptions/" + id)).inScenario(scenario)
                .whenScenarioStateIs("recovered")
                .willReturn(json(200, subscriptionJson(id, "Subscribed", "basic", 3, "tenant-a", "tenant-a"))));
    }
}
