package io.marketplacebridge.crm;

import static io.marketplacebridge.Logins.basic;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.moreThanOrExactly;
import static com.github.tomakehurst.wiremock.client.WireMock.patch;
import static com.github.tomakehurst.wiremock.client.WireMock.patchRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import io.marketplacebridge.BridgeTest;
import io.marketplacebridge.CanonicalEvents;
import jakarta.jms.ConnectionFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import io.marketplacebridge.MarketplaceBridgeApplication;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * deliver-crm.camel.yaml: in salesforce mode (the default, and this test context's) one Salesforce record per
 * subscription, upserted by external id; in http mode a POST of the event, like billing, with no Salesforce at all.
 */
class DeliverCrmFlowTest extends BridgeTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String RECORDS = "/services/data/v62.0/sobjects/Marketplace_Subscription__c/Subscription_Id__c/";
    private static final ObjectMapper JSON = new ObjectMapper();

    @LocalServerPort
    int port;

    @Autowired
    @Qualifier("unbufferedConnectionFactory")
    ConnectionFactory connectionFactory;

    @Autowired
    ProducerTemplate producer;

    @Test
    void purchaseAndActivationUpsertTheSubscriptionRecordByExternalId() throws Exception {
        String id = newSubscriptionId();

        purchase(port, id);

        await().atMost(WAIT).untilAsserted(() -> SALESFORCE.verify(1, patchRequestedFor(urlPathEqualTo(RECORDS + id))
                .withRequestBody(matchingJsonPath("$.Last_Event_Id__c", equalTo("activated:" + id)))
                .withRequestBody(matchingJsonPath("$.Status__c", equalTo("Subscribed")))
                .withRequestBody(matchingJsonPath("$.Last_Event_Type__c", equalTo("Activated")))));
        SALESFORCE.verify(1, patchRequestedFor(urlPathEqualTo(RECORDS + id))
                .withHeader("Authorization", equalTo("Bearer salesforce-test-token"))
                .withHeader("Content-Type", containing("application/json"))
                .withRequestBody(matchingJsonPath("$.Last_Event_Id__c", equalTo("purchase:" + id)))
                .withRequestBody(matchingJsonPath("$.Last_Event_Type__c", equalTo("Purchased")))
                .withRequestBody(matchingJsonPath("$.Status__c", equalTo("PendingFulfillmentStart")))
                .withRequestBody(matchingJsonPath("$.Name", equalTo("Fabrikam HR")))
                .withRequestBody(matchingJsonPath("$.Offer_Id__c", equalTo("bridge-offer")))
                .withRequestBody(matchingJsonPath("$.Plan_Id__c", equalTo("basic")))
                .withRequestBody(matchingJsonPath("$.Quantity__c", equalTo("10")))
                .withRequestBody(matchingJsonPath("$.Term_Start__c", equalTo("2026-11-01")))
                .withRequestBody(matchingJsonPath("$.Term_End__c", equalTo("2026-11-30")))
                .withRequestBody(matchingJsonPath("$.Last_Event_At__c")));
        SALESFORCE.verify(moreThanOrExactly(1), postRequestedFor(urlPathEqualTo("/services/oauth2/token"))
                .withRequestBody(containing("grant_type=client_credentials"))
                .withRequestBody(containing("client_id=test-salesforce-client"))
                .withRequestBody(containing("client_secret=test-salesforce-secret")));
    }

    @Test
    void cspPurchaseKeepsPurchaserAndBeneficiaryOnTheRecord() throws Exception {
        String id = newSubscriptionId();

        CanonicalEvents.publish(producer, "renew:" + id, "Renewed",
                subscriptionJson(id, "Subscribed", "basic", 5, "reseller", "customer"), id);

        await().atMost(WAIT).untilAsserted(() -> SALESFORCE.verify(1, patchRequestedFor(urlPathEqualTo(RECORDS + id))
                .withRequestBody(matchingJsonPath("$.Purchaser_Email__c", equalTo("buyer@reseller.example")))
                .withRequestBody(matchingJsonPath("$.Purchaser_Tenant_Id__c", equalTo("reseller")))
                .withRequestBody(matchingJsonPath("$.Beneficiary_Email__c", equalTo("user@customer.example")))
                .withRequestBody(matchingJsonPath("$.Beneficiary_Tenant_Id__c", equalTo("customer")))
                .withRequestBody(matchingJsonPath("$.Auto_Renew__c", equalTo("true")))));
        JsonNode record = JSON.readTree(SALESFORCE.findAll(patchRequestedFor(urlPathEqualTo(RECORDS + id))).get(0).getBodyAsString());
        assertThat(record.has("Subscription_Id__c")).as("the external id goes in the URL only").isFalse();
    }

    @Test
    void validationErrorIsDeadLetteredAtOnceWithSalesforcesMessage() throws Exception {
        String id = newSubscriptionId();
        SALESFORCE.stubFor(patch(urlPathEqualTo(RECORDS + id)).atPriority(1).willReturn(json(400, """
                [{"message":"Quantity must be at least 1","errorCode":"FIELD_CUSTOM_VALIDATION_EXCEPTION","fields":["Quantity__c"]}]""")));

        CanonicalEvents.publish(producer, "quantity:" + id, "QuantityChanged", id);

        await().atMost(WAIT).until(() -> !deadLetters(connectionFactory, "crm", id).isEmpty());
        JsonNode letter = JSON.readTree(admin("/api/admin/dead-letters/crm?subscriptionId=" + id).body()).path("messages").get(0);
        assertThat(letter.path("eventId").asText()).isEqualTo("quantity:" + id);
        assertThat(letter.path("reason").path("exception").asText()).isEqualTo(io.marketplacebridge.failure.PermanentFailure.class.getName());
        assertThat(letter.path("reason").path("message").asText())
                .contains("HTTP 400", "FIELD_CUSTOM_VALIDATION_EXCEPTION: Quantity must be at least 1 [Quantity__c]");
        assertThat(letter.path("reason").path("attempts").asText()).isEqualTo("1");
        assertThat(letter.path("reason").path("route").asText()).isEqualTo("deliver-crm");
        SALESFORCE.verify(1, patchRequestedFor(urlPathEqualTo(RECORDS + id)));
    }

    @Test
    void salesforceOutageIsRedeliveredThenUpserted() {
        String id = newSubscriptionId();
        String scenario = "salesforce-" + id;
        SALESFORCE.stubFor(patch(urlPathEqualTo(RECORDS + id)).atPriority(1).inScenario(scenario)
                .whenScenarioStateIs(Scenario.STARTED)
                .willReturn(json(503, "[{\"message\":\"Server unavailable\",\"errorCode\":\"SERVER_UNAVAILABLE\"}]"))
                .willSetStateTo("up"));
        SALESFORCE.stubFor(patch(urlPathEqualTo(RECORDS + id)).atPriority(1).inScenario(scenario)
                .whenScenarioStateIs("up").willReturn(aResponse().withStatus(204)));

        CanonicalEvents.publish(producer, "suspend:" + id, "Suspended", id);

        await().atMost(WAIT).untilAsserted(() -> SALESFORCE.verify(2, patchRequestedFor(urlPathEqualTo(RECORDS + id))
                .withRequestBody(matchingJsonPath("$.Last_Event_Id__c", equalTo("suspend:" + id)))));
        await().during(Duration.ofSeconds(1)).atMost(WAIT).untilAsserted(() -> {
            SALESFORCE.verify(2, patchRequestedFor(urlPathEqualTo(RECORDS + id)));
            assertThat(deadLetters(connectionFactory, "crm", id)).isEmpty();
        });
    }

    @Test
    void expiredSessionLogsInAgainAndUpserts() {
        String id = newSubscriptionId();
        String scenario = "session-" + id;
        SALESFORCE.stubFor(patch(urlPathEqualTo(RECORDS + id)).atPriority(1).inScenario(scenario)
                .whenScenarioStateIs(Scenario.STARTED)
                .willReturn(json(401, "[{\"message\":\"Session expired or invalid\",\"errorCode\":\"INVALID_SESSION_ID\"}]"))
                .willSetStateTo("renewed"));
        SALESFORCE.stubFor(patch(urlPathEqualTo(RECORDS + id)).atPriority(1).inScenario(scenario)
                .whenScenarioStateIs("renewed").willReturn(aResponse().withStatus(204)));
        int logins = SALESFORCE.findAll(postRequestedFor(urlPathEqualTo("/services/oauth2/token"))).size();

        CanonicalEvents.publish(producer, "reinstate:" + id, "Reinstated", id);

        await().atMost(WAIT).untilAsserted(() -> SALESFORCE.verify(2, patchRequestedFor(urlPathEqualTo(RECORDS + id))));
        assertThat(SALESFORCE.findAll(postRequestedFor(urlPathEqualTo("/services/oauth2/token"))).size()).isGreaterThan(logins);
        assertThat(deadLetters(connectionFactory, "crm", id)).isEmpty();
    }

    @Test
    void eventsOfOneSubscriptionAreUpsertedInOrder() {
        List<String> subscriptions = List.of(newSubscriptionId(), newSubscriptionId(), newSubscriptionId());
        for (String id : subscriptions) {
            SALESFORCE.stubFor(patch(urlPathEqualTo(RECORDS + id)).atPriority(1)
                    .willReturn(aResponse().withStatus(204).withUniformRandomDelay(5, 80)));
        }
        List<String> sequence = IntStream.rangeClosed(1, 5).mapToObj(n -> "e" + n).toList();

        for (String n : sequence) {
            for (String id : subscriptions) {
                CanonicalEvents.publish(producer, n + ":" + id, "QuantityChanged", id);
            }
        }

        for (String id : subscriptions) {
            await().atMost(WAIT).untilAsserted(() -> assertThat(lastEventIds(id)).hasSize(sequence.size()));
            assertThat(lastEventIds(id)).containsExactlyElementsOf(sequence.stream().map(n -> n + ":" + id).toList());
        }
    }

    @Test
    void httpModeStartsWithoutSalesforceAndPostsEachEventToTheCrmUrl(@TempDir Path dataDir) throws Exception {
        Map<String, String> settings = applicationSettings();
        settings.keySet().removeIf(key -> key.startsWith("bridge.salesforce."));
        settings.put("bridge.crm.mode", "http");
        settings.put("server.port", "0");
        settings.put("camel.main.name", "crm-http-test");
        settings.put("bridge.broker.data-dir", dataDir.toString());
        String id = newSubscriptionId();
        int upserts = SALESFORCE.findAll(patchRequestedFor(urlPathEqualTo(RECORDS + id))).size();

        try (ConfigurableApplicationContext bridge = new SpringApplicationBuilder(MarketplaceBridgeApplication.class)
                .run(settings.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue()).toArray(String[]::new))) {
            CamelContext camel = bridge.getBean(CamelContext.class);
            CanonicalEvents.publish(camel.createProducerTemplate(), "renew:" + id, "Renewed", id);

            await().atMost(WAIT).untilAsserted(() -> PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo("/crm"))
                    .withHeader("Idempotency-Key", equalTo("renew:" + id))
                    .withRequestBody(matchingJsonPath("$.eventId", equalTo("renew:" + id)))
                    .withRequestBody(matchingJsonPath("$.subscription.id", equalTo(id)))));
            assertThat(bridge.containsBean("salesforce")).isFalse();
            assertThat(camel.getRoute("deliver-crm")).isNull();
            assertThat(camel.getRoute("deliver-crm-http")).isNotNull();
            assertThat(camel.hasComponent("salesforce")).isNull();
        }
        assertThat(SALESFORCE.findAll(patchRequestedFor(urlPathEqualTo(RECORDS + id)))).hasSize(upserts);
    }

    @Test
    void aRefusedLoginIsRedeliveredAsAConfigurationToFixNotDeadLetteredAtOnce(@TempDir Path dataDir) throws Exception {
        // A Salesforce of its own whose login refuses the client: a wrong secret, which an operator fixes.
        com.github.tomakehurst.wiremock.WireMockServer refusing = new com.github.tomakehurst.wiremock.WireMockServer(
                com.github.tomakehurst.wiremock.core.WireMockConfiguration.options().dynamicPort());
        refusing.start();
        refusing.stubFor(post(urlPathEqualTo("/services/oauth2/token")).willReturn(json(400,
                "{\"error\":\"invalid_client\",\"error_description\":\"invalid client credentials\"}")));
        String id = newSubscriptionId();
        try (ConfigurableApplicationContext bridge = startApplication(dataDir, "crm-login-refused",
                Map.of("bridge.salesforce.login-url", refusing.baseUrl()))) {
            CanonicalEvents.publish(bridge.getBean(CamelContext.class).createProducerTemplate(), "renew:" + id, "Renewed", id);

            await().atMost(WAIT).until(() -> !deadLetters(bridge.getBean("unbufferedConnectionFactory", jakarta.jms.ConnectionFactory.class), "crm", id).isEmpty());
            jakarta.jms.Message letter = deadLetters(bridge.getBean("unbufferedConnectionFactory", jakarta.jms.ConnectionFactory.class), "crm", id).get(0);
            assertThat(letter.getStringProperty("bridgeFailureAttempts")).isEqualTo("3");
            assertThat(letter.getStringProperty("bridgeFailureKind")).isEqualTo("transient");
        } finally {
            refusing.stop();
        }
    }

    private static List<String> lastEventIds(String subscriptionId) {
        return SALESFORCE.findAll(patchRequestedFor(urlPathEqualTo(RECORDS + subscriptionId))).stream()
                .map(request -> {
                    try {
                        return JSON.readTree(request.getBodyAsString()).path("Last_Event_Id__c").asText();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }).toList();
    }

    private HttpResponse<String> admin(String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .header("Authorization", basic("operator:test-admin-password")).build(), HttpResponse.BodyHandlers.ofString());
    }
}
