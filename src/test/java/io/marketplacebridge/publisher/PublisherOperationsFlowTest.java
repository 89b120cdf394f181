package io.marketplacebridge.publisher;

import static io.marketplacebridge.Logins.basic;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
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
import io.marketplacebridge.webhook.MicrosoftWebhook;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * publisher-operations.camel.yaml: the publisher changes the plan or the quantity, or cancels; the request is checked
 * at once, Microsoft is called once through the broker, its operation is polled until settled, and one event is
 * published whether the poll or Microsoft's webhook sees the success first.
 */
class PublisherOperationsFlowTest extends BridgeTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String INTEGRATION = basic("operator:test-admin-password");

    @LocalServerPort
    int port;

    @TempDir
    Path dataDir;

    @Test
    void planChangeIsStartedOncePolledAndPublishedAsPlanChanged() throws Exception {
        String id = newSubscriptionId();
        String operation = UUID.randomUUID().toString();
        subscribedWithPlans(id);
        acceptChange(id, operation);
        operationRunsThen(id, operation, "Succeeded");

        HttpResponse<String> accepted = send(port, "POST", "/api/subscriptions/" + id + "/plan", "{\"planId\":\"pro\"}");

        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        String operationId = JSON.readTree(accepted.body()).path("operationId").asText();
        assertThat(accepted.headers().firstValue("Location")).hasValue("/api/operations/" + operationId);
        await().atMost(WAIT).untilAsserted(() -> PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo("/provisioning"))
                .withHeader("Idempotency-Key", equalTo(operation))
                .withRequestBody(matchingJsonPath("$.type", equalTo("PlanChanged")))
                .withRequestBody(matchingJsonPath("$.source", equalTo("publisher")))));
        assertThat(operation(operationId).path("status").asText()).isEqualTo("Succeeded");
        assertThat(operation(operationId).path("microsoftOperationId").asText()).isEqualTo(operation);
        MICROSOFT.verify(1, patchRequestedFor(urlPathEqualTo("/api/saas/subscriptions/" + id))
                .withRequestBody(equalToJson("{\"planId\":\"pro\"}")));
    }

    @Test
    void cancelIsPolledAndPublishedAsUnsubscribed() throws Exception {
        String id = newSubscriptionId();
        String operation = UUID.randomUUID().toString();
        subscribedWithPlans(id);
        MICROSOFT.stubFor(delete(urlPathEqualTo("/api/saas/subscriptions/" + id)).willReturn(aResponse().withStatus(202)
                .withHeader("Operation-Location", location(id, operation))));
        operationRunsThen(id, operation, "Succeeded");

        HttpResponse<String> accepted = send(port, "DELETE", "/api/subscriptions/" + id, null);

        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        await().atMost(WAIT).untilAsserted(() -> PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo("/billing"))
                .withHeader("Idempotency-Key", equalTo(operation))
                .withRequestBody(matchingJsonPath("$.type", equalTo("Unsubscribed")))));
        MICROSOFT.verify(1, deleteRequestedFor(urlPathEqualTo("/api/saas/subscriptions/" + id)));
    }

    @Test
    void invalidRequestsAreRefusedAtOnceAndNothingReachesMicrosoft() throws Exception {
        String id = newSubscriptionId();
        String suspended = newSubscriptionId();
        subscribedWithPlans(id);
        stubSubscription(suspended, "Suspended", "basic", 10);

        assertThat(send(port, "POST", "/api/subscriptions/" + id + "/plan", "{\"planId\":\"enterprise\"}").statusCode()).isEqualTo(400);
        assertThat(send(port, "POST", "/api/subscriptions/" + id + "/plan", "{\"planId\":\"basic\"}").statusCode()).isEqualTo(409);
        assertThat(send(port, "POST", "/api/subscriptions/" + id + "/plan", "not json").statusCode()).isEqualTo(400);
        assertThat(send(port, "POST", "/api/subscriptions/" + id + "/quantity", "{\"quantity\":0}").statusCode()).isEqualTo(400);
        assertThat(send(port, "POST", "/api/subscriptions/" + id + "/quantity", "{\"quantity\":2.5}").statusCode()).isEqualTo(400);
        assertThat(send(port, "POST", "/api/subscriptions/" + id + "/quantity", "{\"quantity\":\"12\"}").statusCode()).isEqualTo(400);
        assertThat(send(port, "POST", "/api/subscriptions/" + id + "/quantity", "{\"quantity\":500}").statusCode()).isEqualTo(400);
        assertThat(send(port, "POST", "/api/subscriptions/" + suspended + "/quantity", "{\"quantity\":12}").statusCode()).isEqualTo(409);
        assertThat(send(port, "POST", "/api/subscriptions/" + newSubscriptionId() + "/quantity", "{\"quantity\":12}").statusCode())
                .isEqualTo(404);
        HttpResponse<String> problem = send(port, "POST", "/api/subscriptions/" + id + "/plan", "{\"planId\":\"enterprise\"}");
        assertThat(problem.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(problem.body()).contains("enterprise", "not offered");
        MICROSOFT.verify(0, patchRequestedFor(urlPathEqualTo("/api/saas/subscriptions/" + id)));
        MICROSOFT.verify(0, patchRequestedFor(urlPathEqualTo("/api/saas/subscriptions/" + suspended)));
    }

    @Test
    void aSecondOperationWhileOneIsOpenIsAConflict() throws Exception {
        String id = newSubscriptionId();
        String operation = UUID.randomUUID().toString();
        subscribedWithPlans(id);
        acceptChange(id, operation);
        MICROSOFT.stubFor(get(urlPathEqualTo("/api/saas/subscriptions/" + id + "/operations/" + operation))
                .willReturn(json(200, operationJson(id, operation, "InProgress"))));

        assertThat(send(port, "POST", "/api/subscriptions/" + id + "/plan", "{\"planId\":\"pro\"}").statusCode()).isEqualTo(202);
        HttpResponse<String> second = send(port, "POST", "/api/subscriptions/" + id + "/quantity", "{\"quantity\":12}");

        assertThat(second.statusCode()).isEqualTo(409);
        assertThat(second.body()).contains("still");
        JsonNode view = JSON.readTree(send(port, "GET", "/api/subscriptions/" + id, null).body());
        assertThat(view.path("openOperations").findValuesAsText("action")).containsExactly("ChangePlan");
    }

    @Test
    void microsoftRefusingTheChangeSettlesItAsRefusedWithItsReason() throws Exception {
        String id = newSubscriptionId();
        subscribedWithPlans(id);
        MICROSOFT.stubFor(patch(urlPathEqualTo("/api/saas/subscriptions/" + id))
                .willReturn(json(400, "{\"code\":\"BadArgument\",\"message\":\"Update is not allowed for this plan\"}")));

        String operationId = JSON.readTree(send(port, "POST", "/api/subscriptions/" + id + "/quantity", "{\"quantity\":12}").body())
                .path("operationId").asText();

        await().atMost(WAIT).untilAsserted(() -> assertThat(operation(operationId).path("status").asText()).isEqualTo("Refused"));
        assertThat(operation(operationId).path("lastError").asText()).contains("400", "Update is not allowed");
        await().atMost(WAIT).untilAsserted(() -> PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo("/billing"))
                .withHeader("Idempotency-Key", equalTo("refused:" + operationId))
                .withRequestBody(matchingJsonPath("$.type", equalTo("OperationFailed")))
                .withRequestBody(matchingJsonPath("$.operation.errorMessage", com.github.tomakehurst.wiremock.client.WireMock.containing("Update is not allowed")))));
        MICROSOFT.verify(1, patchRequestedFor(urlPathEqualTo("/api/saas/subscriptions/" + id)));
    }

    @Test
    void aChangeMicrosoftMadeWhoseAnswerWasLostIsNotAskedForAgain() throws Exception {
        String id = newSubscriptionId();
        subscribedWithPlans(id);
        String scenario = "answer-lost-" + id;
        // Microsoft makes the change, and the connection drops before its answer (as a kill -9 of the bridge would).
        answerLost(id, scenario, "made");
        MICROSOFT.stubFor(get(urlPathEqualTo("/api/saas/subscriptions/" + id)).inScenario(scenario).whenScenarioStateIs("made")
                .atPriority(1).willReturn(json(200, subscriptionJson(id, "Subscribed", "basic", 12, "tenant-a", "tenant-a"))));
        MICROSOFT.stubFor(patch(urlPathEqualTo("/api/saas/subscriptions/" + id)).inScenario(scenario).whenScenarioStateIs("made")
                .willReturn(json(400, "{\"code\":\"BadArgument\",\"message\":\"The subscription already has 12 seats\"}")));

        String operationId = JSON.readTree(send(port, "POST", "/api/subscriptions/" + id + "/quantity", "{\"quantity\":12}").body())
                .path("operationId").asText();

        await().atMost(WAIT).untilAsserted(() -> assertThat(operation(operationId).path("status").asText())
                .isIn("Succeeded", "Refused"));
        assertThat(operation(operationId).path("status").asText()).as(operation(operationId).toString()).isEqualTo("Succeeded");
        MICROSOFT.verify(1, patchRequestedFor(urlPathEqualTo("/api/saas/subscriptions/" + id)));
        PUBLISHER.verify(0, postRequestedFor(urlPathEqualTo("/billing")).withHeader("Idempotency-Key", equalTo("refused:" + operationId)));
    }

    @Test
    void aChangeMicrosoftIsStillMakingWhoseAnswerWasLostIsPolledNotAskedForAgain() throws Exception {
        String id = newSubscriptionId();
        String microsoftOperation = UUID.randomUUID().toString();
        subscribedWithPlans(id);
        String scenario = "answer-lost-in-progress-" + id;
        // Microsoft takes the change and the connection drops before its 202; the subscription does not show it yet,
        // and the change is an outstanding operation, in progress.
        answerLost(id, scenario, "making");
        MICROSOFT.stubFor(patch(urlPathEqualTo("/api/saas/subscriptions/" + id)).inScenario(scenario).whenScenarioStateIs("making")
                .willReturn(aResponse().withStatus(202).withHeader("Operation-Location", location(id, UUID.randomUUID().toString()))));
        MICROSOFT.stubFor(get(urlPathEqualTo("/api/saas/subscriptions/" + id + "/operations")).willReturn(json(200,
                "{\"operations\":[" + operationJson(id, microsoftOperation, "InProgress")
                        .replace("\"ChangePlan\"", "\"ChangeQuantity\"").replace("\"quantity\":10", "\"quantity\":12") + "]}")));
        operationRunsThen(id, microsoftOperation, "Succeeded");

        String operationId = JSON.readTree(send(port, "POST", "/api/subscriptions/" + id + "/quantity", "{\"quantity\":12}").body())
                .path("operationId").asText();

        await().atMost(WAIT).untilAsserted(() -> assertThat(operation(operationId).path("status").asText())
                .isIn("Succeeded", "Refused", "Failed"));
        JsonNode settled = operation(operationId);
        assertThat(settled.path("status").asText()).as(settled.toString()).isEqualTo("Succeeded");
        assertThat(settled.toString()).contains(microsoftOperation);
        MICROSOFT.verify(1, patchRequestedFor(urlPathEqualTo("/api/saas/subscriptions/" + id)));
        MICROSOFT.verify(getRequestedFor(urlPathEqualTo("/api/saas/subscriptions/" + id + "/operations/" + microsoftOperation)));
    }

    @Test
    void anOperationMicrosoftFailsIsPublishedAsOperationFailed() throws Exception {
        String id = newSubscriptionId();
        String operation = UUID.randomUUID().toString();
        subscribedWithPlans(id);
        acceptChange(id, operation);
        operationRunsThen(id, operation, "Failed");

        String operationId = JSON.readTree(send(port, "POST", "/api/subscriptions/" + id + "/plan", "{\"planId\":\"pro\"}").body())
                .path("operationId").asText();

        await().atMost(WAIT).untilAsserted(() -> PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo("/billing"))
                .withHeader("Idempotency-Key", equalTo(operation))
                .withRequestBody(matchingJsonPath("$.type", equalTo("OperationFailed")))));
        assertThat(operation(operationId).path("status").asText()).isEqualTo("Failed");
    }

    @Test
    void pollsSpentLeaveItOpenAndMicrosoftsWebhookSettlesItWithOneEvent() throws Exception {
        String id = newSubscriptionId();
        String operation = UUID.randomUUID().toString();
        subscribedWithPlans(id);
        acceptChange(id, operation);
        String path = "/api/saas/subscriptions/" + id + "/operations/" + operation;
        MICROSOFT.stubFor(get(urlPathEqualTo(path)).willReturn(json(200, operationJson(id, operation, "InProgress"))));

        String operationId = JSON.readTree(send(port, "POST", "/api/subscriptions/" + id + "/plan", "{\"planId\":\"pro\"}").body())
                .path("operationId").asText();
        await().atMost(WAIT).untilAsserted(() -> assertThat(operation(operationId).path("status").asText()).isEqualTo("Open"));
        assertThat(operation(operationId).path("attempts").asInt()).isEqualTo(4);
        MICROSOFT.stubFor(get(urlPathEqualTo(path)).atPriority(1).willReturn(json(200, operationJson(id, operation, "Succeeded"))));
        MicrosoftWebhook.call(port, partnerNotification(operation, id, "Succeeded"));

        await().atMost(WAIT).untilAsserted(() -> assertThat(operation(operationId).path("status").asText()).isEqualTo("Succeeded"));
        await().atMost(WAIT).untilAsserted(() -> PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo("/provisioning"))
                .withHeader("Idempotency-Key", equalTo(operation))));
        MICROSOFT.verify(0, patchRequestedFor(urlPathEqualTo(path)));
    }

    @Test
    void theWebhookAndThePollSeeingTheSuccessMakeOneEvent() throws Exception {
        String id = newSubscriptionId();
        String operation = UUID.randomUUID().toString();
        subscribedWithPlans(id);
        acceptChange(id, operation);
        operationRunsThen(id, operation, "Succeeded");

        send(port, "POST", "/api/subscriptions/" + id + "/plan", "{\"planId\":\"pro\"}");
        MicrosoftWebhook.call(port, partnerNotification(operation, id, "InProgress"));
        await().atMost(WAIT).untilAsserted(() -> PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo("/provisioning"))
                .withHeader("Idempotency-Key", equalTo(operation))));
        MicrosoftWebhook.call(port, partnerNotification(operation, id, "Succeeded"));

        await().during(Duration.ofSeconds(2)).atMost(WAIT).untilAsserted(() -> PUBLISHER.verify(1,
                postRequestedFor(urlPathEqualTo("/provisioning")).withHeader("Idempotency-Key", equalTo(operation))));
        MICROSOFT.verify(0, patchRequestedFor(urlPathEqualTo("/api/saas/subscriptions/" + id + "/operations/" + operation)));
    }

    @Test
    void aRestartWhilePollingResumesThePolls() throws Exception {
        String id = newSubscriptionId();
        String operation = UUID.randomUUID().toString();
        subscribedWithPlans(id);
        acceptChange(id, operation);
        String path = "/api/saas/subscriptions/" + id + "/operations/" + operation;
        MICROSOFT.stubFor(get(urlPathEqualTo(path)).willReturn(json(200, operationJson(id, operation, "InProgress"))));
        Map<String, String> slowPolls = Map.of("bridge.operations.poll-interval", "1s", "bridge.operations.max-poll-interval", "1s",
                "bridge.operations.max-polls", "30");
        String operationId;
        try (ConfigurableApplicationContext bridge = startApplication(dataDir, "restart-while-polling", slowPolls)) {
            operationId = JSON.readTree(send(port(bridge), "POST", "/api/subscriptions/" + id + "/plan", "{\"planId\":\"pro\"}").body())
                    .path("operationId").asText();
            await().atMost(WAIT).until(() -> !MICROSOFT.findAll(com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor(urlPathEqualTo(path))).isEmpty());
        }
        MICROSOFT.stubFor(get(urlPathEqualTo(path)).atPriority(1).willReturn(json(200, operationJson(id, operation, "Succeeded"))));

        try (ConfigurableApplicationContext bridge = startApplication(dataDir, "restart-while-polling", slowPolls)) {
            await().atMost(WAIT).untilAsserted(() -> PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo("/provisioning"))
                    .withHeader("Idempotency-Key", equalTo(operation))));
            assertThat(JSON.readTree(send(port(bridge), "GET", "/api/operations/" + operationId, null).body())
                    .path("status").asText()).isEqualTo("Succeeded");
        }
        MICROSOFT.verify(1, patchRequestedFor(urlPathEqualTo("/api/saas/subscriptions/" + id)));
    }

    @Test
    void anUnknownOperationIs404() throws Exception {
        assertThat(send(port, "GET", "/api/operations/" + UUID.randomUUID(), null).statusCode()).isEqualTo(404);
        assertThat(send(port, "GET", "/api/operations/not-an-id", null).statusCode()).isEqualTo(400);
    }

    private static void subscribedWithPlans(String id) {
        stubSubscription(id, "Subscribed", "basic", 10);
        MICROSOFT.stubFor(get(urlPathEqualTo("/api/saas/subscriptions/" + id + "/listAvailablePlans")).willReturn(json(200,
                "{\"plans\":[{\"planId\":\"basic\",\"minQuantity\":1,\"maxQuantity\":100},{\"planId\":\"pro\",\"minQuantity\":1,\"maxQuantity\":1000}]}")));
    }

    /** The first PATCH of the subscription reaches Microsoft, whose answer is lost (a reset); then {@code state}. */
    private static void answerLost(String id, String scenario, String state) {
        MICROSOFT.stubFor(patch(urlPathEqualTo("/api/saas/subscriptions/" + id)).inScenario(scenario)
                .whenScenarioStateIs(Scenario.STARTED).willSetStateTo(state)
                .willReturn(aResponse().withFault(com.github.tomakehurst.wiremock.http.Fault.CONNECTION_RESET_BY_PEER)));
    }

    private static void acceptChange(String id, String operation) {
        MICROSOFT.stubFor(patch(urlPathEqualTo("/api/saas/subscriptions/" + id)).willReturn(aResponse().withStatus(202)
                .withHeader("Operation-Location", location(id, operation))));
    }

    private static void operationRunsThen(String id, String operation, String outcome) {
        String scenario = "operation-" + operation;
        String path = "/api/saas/subscriptions/" + id + "/operations/" + operation;
        MICROSOFT.stubFor(get(urlPathEqualTo(path)).inScenario(scenario).whenScenarioStateIs(Scenario.STARTED)
                .willReturn(json(200, operationJson(id, operation, "InProgress"))).willSetStateTo("settled"));
        MICROSOFT.stubFor(get(urlPathEqualTo(path)).inScenario(scenario).whenScenarioStateIs("settled")
                .willReturn(json(200, operationJson(id, operation, outcome))));
    }

    private static String location(String id, String operation) {
        return MICROSOFT.baseUrl() + "/api/saas/subscriptions/" + id + "/operations/" + operation + "?api-version=2018-08-31";
    }

    private static String operationJson(String id, String operation, String status) {
        return """
                {"id":"%s","activityId":"a","subscriptionId":"%s","offerId":"bridge-offer","publisherId":"contoso","planId":"pro",
                 "quantity":10,"action":"ChangePlan","timeStamp":"2026-11-02T10:15:00Z","status":"%s","errorStatusCode":"","errorMessage":""}
                """.formatted(operation, id, status);
    }

    private static String partnerNotification(String operation, String id, String status) {
        return MicrosoftWebhook.notification(operation, id, "ChangePlan", "pro", 10)
                .replace("\"operationRequestSource\":\"Azure\"", "\"operationRequestSource\":\"Partner\"")
                .replace("\"status\":\"InProgress\"", "\"status\":\"" + status + "\"");
    }

    private JsonNode operation(String operationId) throws Exception {
        return JSON.readTree(send(port, "GET", "/api/operations/" + operationId, null).body());
    }

    private static HttpResponse<String> send(int port, String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .header("Authorization", INTEGRATION)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
