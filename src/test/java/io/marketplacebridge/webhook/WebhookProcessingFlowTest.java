package io.marketplacebridge.webhook;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.patch;
import static com.github.tomakehurst.wiremock.client.WireMock.patchRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.marketplacebridge.BridgeTest;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.Message;
import jakarta.jms.TextMessage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.web.server.LocalServerPort;

/** webhook-processing.camel.yaml: stored notification → Get Operation → decision and acknowledgement → event. */
class WebhookProcessingFlowTest extends BridgeTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @LocalServerPort
    int port;

    @Autowired
    @Qualifier("unbufferedConnectionFactory")
    ConnectionFactory connectionFactory;

    @Autowired
    org.springframework.jdbc.core.JdbcTemplate jdbc;

    @Autowired
    org.apache.camel.CamelContext camel;

    @Autowired
    IntakeFirst intakeFirst;

    @Test
    void acceptedPlanChangeIsAcknowledgedSuccessAndPublishedAsPlanChanged() throws Exception {
        String subscription = newSubscriptionId();
        String operation = newOperationId();
        stubOperation(subscription, operation, "ChangePlan", "InProgress", "pro", 10);
        stubAcknowledgement(subscription, operation, 200);
        stubSubscription(subscription, "Subscribed", "pro", 10);

        assertThat(MicrosoftWebhook.call(port, MicrosoftWebhook.notification(operation, subscription, "ChangePlan", "pro", 10)).statusCode())
                .isEqualTo(200);

        await().atMost(WAIT).untilAsserted(() -> PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo("/provisioning"))
                .withHeader("Idempotency-Key", equalTo(operation))
                .withRequestBody(matchingJsonPath("$.type", equalTo("PlanChanged")))
                .withRequestBody(matchingJsonPath("$.source", equalTo("webhook")))
                .withRequestBody(matchingJsonPath("$.operation.planId", equalTo("pro")))
                .withRequestBody(matchingJsonPath("$.subscription.planId", equalTo("pro")))));
        MICROSOFT.verify(1, patchRequestedFor(operationPath(subscription, operation))
                .withQueryParam("api-version", equalTo("2018-08-31"))
                .withHeader("Authorization", equalTo("Bearer test-token"))
                .withRequestBody(equalToJson("{\"status\":\"Success\"}")));
        PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo("/decision")).withHeader("Idempotency-Key", equalTo(operation))
                .withRequestBody(matchingJsonPath("$.action", equalTo("ChangePlan"))));
    }

    @Test
    void whileTheIntakeIsBusyTheInOrderQueuesYieldYetAChangeIsStillAcknowledgedAndDelivered() throws Exception {
        // The in-order queues' routes wait for a busy intake; the acknowledgement lane never does.
        for (String route : List.of("webhook-processing", "deliver-provisioning", "deliver-billing", "deliver-crm", "deliver-audit")) {
            assertThat(camel.getRoute(route).getRoutePolicyList()).as(route).contains(intakeFirst.yieldToIntake());
        }
        assertThat(camel.getRoute("webhook-intake").getRoutePolicyList()).contains(intakeFirst.webhookIntakeLoad());
        assertThat(camel.getRoute("webhook-acknowledgement").getRoutePolicyList())
                .doesNotContain(intakeFirst.yieldToIntake(), intakeFirst.webhookIntakeLoad());

        String subscription = newSubscriptionId();
        String operation = newOperationId();
        stubOperation(subscription, operation, "ChangePlan", "InProgress", "pro", 10);
        stubAcknowledgement(subscription, operation, 200);
        stubSubscription(subscription, "Subscribed", "pro", 10);
        // Two webhooks held in the intake: busy for as long as the test holds them.
        intakeFirst.intakeBegins();
        intakeFirst.intakeBegins();
        try {
            assertThat(intakeFirst.busy()).isTrue();
            assertThat(MicrosoftWebhook.call(port, MicrosoftWebhook.notification(operation, subscription, "ChangePlan", "pro", 10))
                    .statusCode()).isEqualTo(200);

            await().atMost(WAIT).untilAsserted(() -> MICROSOFT.verify(1, patchRequestedFor(operationPath(subscription, operation))
                    .withRequestBody(equalToJson("{\"status\":\"Success\"}"))));
            await().atMost(WAIT).untilAsserted(() -> {
                for (String system : List.of("/provisioning", "/billing")) {
                    PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo(system)).withHeader("Idempotency-Key", equalTo(operation))
                            .withRequestBody(matchingJsonPath("$.type", equalTo("PlanChanged"))));
                }
                assertThat(jdbc.queryForList("SELECT target_system FROM delivery WHERE event_id = ? AND outcome = 'delivered'",
                        String.class, operation)).containsExactlyInAnyOrder("provisioning", "billing", "crm", "audit");
            });
            assertThat(intakeFirst.busy()).isTrue();
        } finally {
            intakeFirst.intakeEnds();
            intakeFirst.intakeEnds();
        }
    }

    @Test
    void quantityChangeThePublisherRejectsIsAcknowledgedFailureAndPublishedAsChangeRejected() throws Exception {
        String subscription = newSubscriptionId();
        String operation = newOperationId();
        PUBLISHER.stubFor(post(urlPathEqualTo("/decision")).withHeader("Idempotency-Key", equalTo(operation))
                .willReturn(aResponse().withStatus(422)));
        stubOperation(subscription, operation, "ChangeQuantity", "InProgress", "basic", 500);
        stubAcknowledgement(subscription, operation, 200);
        stubSubscription(subscription, "Subscribed", "basic", 10);

        assertThat(MicrosoftWebhook.call(port, MicrosoftWebhook.notification(operation, subscription, "ChangeQuantity", "basic", 500)).statusCode())
                .isEqualTo(200);

        await().atMost(WAIT).untilAsserted(() -> PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo("/provisioning"))
                .withHeader("Idempotency-Key", equalTo(operation))
                .withRequestBody(matchingJsonPath("$.type", equalTo("ChangeRejected")))
                .withRequestBody(matchingJsonPath("$.operation.quantity", equalTo("500")))));
        MICROSOFT.verify(1, patchRequestedFor(operationPath(subscription, operation)).withRequestBody(equalToJson("{\"status\":\"Failure\"}")));
    }

    @Test
    void decisionEndpointThatFailsOrTimesOutAcceptsTheChange() throws Exception {
        String subscription = newSubscriptionId();
        String failing = newOperationId();
        String slow = newOperationId();
        PUBLISHER.stubFor(post(urlPathEqualTo("/decision")).withHeader("Idempotency-Key", equalTo(failing))
                .willReturn(aResponse().withStatus(500)));
        PUBLISHER.stubFor(post(urlPathEqualTo("/decision")).withHeader("Idempotency-Key", equalTo(slow))
                .willReturn(aResponse().withStatus(409).withFixedDelay(6000)));
        stubOperation(subscription, failing, "ChangeQuantity", "InProgress", "basic", 20);
        stubOperation(subscription, slow, "ChangeQuantity", "InProgress", "basic", 30);
        stubAcknowledgement(subscription, failing, 200);
        stubAcknowledgement(subscription, slow, 200);
        stubSubscription(subscription, "Subscribed", "basic", 30);

        MicrosoftWebhook.call(port, MicrosoftWebhook.notification(failing, subscription, "ChangeQuantity", "basic", 20));
        MicrosoftWebhook.call(port, MicrosoftWebhook.notification(slow, subscription, "ChangeQuantity", "basic", 30));

        await().atMost(WAIT).untilAsserted(() -> {
            MICROSOFT.verify(1, patchRequestedFor(operationPath(subscription, failing)).withRequestBody(equalToJson("{\"status\":\"Success\"}")));
            MICROSOFT.verify(1, patchRequestedFor(operationPath(subscription, slow)).withRequestBody(equalToJson("{\"status\":\"Success\"}")));
        });
        await().atMost(WAIT).untilAsserted(() -> assertThat(eventTypesAtProvisioning(subscription))
                .containsExactly("QuantityChanged", "QuantityChanged"));
    }

    @Test
    void reinstateIsAcknowledgedSuccessAndPublishedAsReinstated() throws Exception {
        String subscription = newSubscriptionId();
        String operation = newOperationId();
        stubOperation(subscription, operation, "Reinstate", "InProgress", "basic", 10);
        stubAcknowledgement(subscription, operation, 200);
        stubSubscription(subscription, "Subscribed", "basic", 10);

        MicrosoftWebhook.call(port, MicrosoftWebhook.notification(operation, subscription, "Reinstate", "basic", 10));

        await().atMost(WAIT).untilAsserted(() -> PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo("/provisioning"))
                .withHeader("Idempotency-Key", equalTo(operation))
                .withRequestBody(matchingJsonPath("$.type", equalTo("Reinstated")))
                .withRequestBody(matchingJsonPath("$.subscription.saasSubscriptionStatus", equalTo("Subscribed")))));
        MICROSOFT.verify(1, patchRequestedFor(operationPath(subscription, operation)).withRequestBody(equalToJson("{\"status\":\"Success\"}")));
        PUBLISHER.verify(0, postRequestedFor(urlPathEqualTo("/decision")).withHeader("Idempotency-Key", equalTo(operation)));
    }

    @Test
    void renewSuspendAndUnsubscribeArePublishedInOrderWithoutAcknowledgement() throws Exception {
        String subscription = newSubscriptionId();
        String renew = newOperationId();
        String suspend = newOperationId();
        String unsubscribe = newOperationId();
        stubOperation(subscription, renew, "Renew", "Succeeded", "basic", 10);
        stubOperation(subscription, suspend, "Suspend", "Succeeded", "basic", 10);
        stubOperation(subscription, unsubscribe, "Unsubscribe", "Succeeded", "basic", 10);
        stubSubscription(subscription, "Unsubscribed", "basic", 10);

        for (String[] notification : List.of(new String[] {renew, "Renew"}, new String[] {suspend, "Suspend"},
                new String[] {unsubscribe, "Unsubscribe"})) {
            assertThat(MicrosoftWebhook.call(port, MicrosoftWebhook.notification(notification[0], subscription, notification[1], null, null))
                    .statusCode()).isEqualTo(200);
        }

        await().atMost(WAIT).untilAsserted(() -> assertThat(eventTypesAtProvisioning(subscription))
                .containsExactly("Renewed", "Suspended", "Unsubscribed"));
        assertThat(idempotencyKeysAtProvisioning(subscription)).containsExactly(renew, suspend, unsubscribe);
        MICROSOFT.verify(0, patchRequestedFor(urlPathEqualTo("/api/saas/subscriptions/" + subscription + "/operations/" + renew)));
        MICROSOFT.verify(0, patchRequestedFor(urlPathEqualTo("/api/saas/subscriptions/" + subscription + "/operations/" + suspend)));
        MICROSOFT.verify(0, patchRequestedFor(urlPathEqualTo("/api/saas/subscriptions/" + subscription + "/operations/" + unsubscribe)));
    }

    @Test
    void acknowledgementIsSentWhenTheApiThrottlesOnce() throws Exception {
        String subscription = newSubscriptionId();
        String operation = newOperationId();
        String scenario = "throttled-" + operation;
        stubOperation(subscription, operation, "ChangePlan", "InProgress", "pro", 10);
        MICROSOFT.stubFor(patch(operationPath(subscription, operation)).inScenario(scenario).whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "1")).willSetStateTo("calm"));
        MICROSOFT.stubFor(patch(operationPath(subscription, operation)).inScenario(scenario).whenScenarioStateIs("calm")
                .willReturn(ok()));
        stubSubscription(subscription, "Subscribed", "pro", 10);

        MicrosoftWebhook.call(port, MicrosoftWebhook.notification(operation, subscription, "ChangePlan", "pro", 10));

        await().atMost(WAIT).untilAsserted(() -> PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo("/provisioning"))
                .withHeader("Idempotency-Key", equalTo(operation))
                .withRequestBody(matchingJsonPath("$.type", equalTo("PlanChanged")))));
        List<LoggedRequest> patches = MICROSOFT.findAll(patchRequestedFor(operationPath(subscription, operation)));
        assertThat(patches).hasSize(2);
        assertThat(Duration.between(patches.get(0).getLoggedDate().toInstant(), patches.get(1).getLoggedDate().toInstant()))
                .isGreaterThanOrEqualTo(Duration.ofMillis(900));
    }

    /**
     * The acknowledgement lane: a change that arrives behind a backlog of slow notifications (each Get Operation takes
     * 1.5 s, two in-order consumers) is acknowledged before the backlog is through, decided once, and its event still
     * comes after the earlier notification of its own subscription.
     */
    @Test
    void changeBehindABacklogIsAcknowledgedBeforeTheBacklogIsThroughAndPublishedInOrder() throws Exception {
        List<String> backlog = new java.util.ArrayList<>();
        for (int i = 0; i < 6; i++) {
            String other = newSubscriptionId();
            String renewal = newOperationId();
            stubSlowOperation(other, renewal, "Renew");
            stubSubscription(other, "Subscribed", "pro", 10);
            backlog.add(other);
            MicrosoftWebhook.call(port, MicrosoftWebhook.notification(renewal, other, "Renew", "pro", 10));
        }
        String subscription = newSubscriptionId();
        String renewal = newOperationId();
        String change = newOperationId();
        stubSlowOperation(subscription, renewal, "Renew");
        stubOperation(subscription, change, "ChangeQuantity", "InProgress", "pro", 20);
        stubAcknowledgement(subscription, change, 200);
        stubSubscription(subscription, "Subscribed", "pro", 20);
        MicrosoftWebhook.call(port, MicrosoftWebhook.notification(renewal, subscription, "Renew", "pro", 10));
        assertThat(MicrosoftWebhook.call(port, MicrosoftWebhook.notification(change, subscription, "ChangeQuantity", "pro", 20))
                .statusCode()).isEqualTo(200);

        await().atMost(WAIT).untilAsserted(() -> MICROSOFT.verify(1, patchRequestedFor(operationPath(subscription, change))
                .withRequestBody(equalToJson("{\"status\":\"Success\"}"))));
        long backlogDelivered = backlog.stream().filter(other -> !eventTypesAtProvisioning(other).isEmpty()).count();
        assertThat(backlogDelivered).as("backlog notifications already delivered when the change was acknowledged").isLessThan(6);

        await().atMost(WAIT).untilAsserted(() -> assertThat(eventTypesAtProvisioning(subscription))
                .containsExactly("Renewed", "QuantityChanged"));
        MICROSOFT.verify(1, patchRequestedFor(operationPath(subscription, change)));
        PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo("/decision")).withHeader("Idempotency-Key", equalTo(change)));
    }

    /** The first acknowledgement fails (500): the other side answers it, the event is published once, nothing dead-lettered. */
    @Test
    void aFailedAcknowledgementIsAnsweredAgainAndPublishedOnce() throws Exception {
        String subscription = newSubscriptionId();
        String change = newOperationId();
        stubOperation(subscription, change, "ChangePlan", "InProgress", "pro", 10);
        MICROSOFT.stubFor(patch(operationPath(subscription, change)).inScenario(change).whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(500)).willSetStateTo("answered"));
        MICROSOFT.stubFor(patch(operationPath(subscription, change)).inScenario(change).whenScenarioStateIs("answered")
                .willReturn(aResponse().withStatus(200)));
        stubSubscription(subscription, "Subscribed", "pro", 10);

        MicrosoftWebhook.call(port, MicrosoftWebhook.notification(change, subscription, "ChangePlan", "pro", 10));

        await().atMost(WAIT).untilAsserted(() -> assertThat(eventTypesAtProvisioning(subscription)).containsExactly("PlanChanged"));
        MICROSOFT.verify(2, patchRequestedFor(operationPath(subscription, change)));
        assertThat(deadLettersOf(change)).isEmpty();
    }

    /**
     * Issue 20, scenario 5 (MicrosoftFaultsIT): webhook-processing claimed a change and its PATCH failed; its
     * redelivery waited for its own claim to expire (12 s) and acknowledged 15 s after the webhook, past Microsoft's
     * 10-second window, holding its consumer (and the subscriptions queued behind it) meanwhile. A redelivery now takes
     * back the claim its own route left undecided, and answers at once.
     */
    @Test
    void aRedeliveryAnswersTheChangeItsOwnFailedAttemptClaimedWithoutWaitingForTheClaimToExpire() throws Exception {
        String subscription = newSubscriptionId();
        String change = newOperationId();
        stubOperation(subscription, change, "ChangeQuantity", "InProgress", "pro", 20);
        stubAcknowledgement(subscription, change, 200);
        stubSubscription(subscription, "Subscribed", "pro", 20);
        // What webhook-processing's failed attempt left: its claim, undecided.
        Instant claimedAt = Instant.now();
        jdbc.update("INSERT INTO acknowledgement (operation_id, subscription_id, claimed_by, claimed_at) VALUES (?, ?, ?, ?)",
                change, subscription, "webhook-processing", claimedAt.atOffset(ZoneOffset.UTC));

        MicrosoftWebhook.call(port, MicrosoftWebhook.notification(change, subscription, "ChangeQuantity", "pro", 20));

        await().atMost(WAIT).untilAsserted(() -> assertThat(eventTypesAtProvisioning(subscription)).containsExactly("QuantityChanged"));
        List<LoggedRequest> patches = MICROSOFT.findAll(patchRequestedFor(operationPath(subscription, change)));
        assertThat(patches).hasSize(1);
        assertThat(patches.get(0).getLoggedDate().toInstant()).as("acknowledged while its own claim was still held")
                .isBefore(claimedAt.plus(Duration.ofSeconds(12)));
        assertThat(jdbc.queryForObject("SELECT decision FROM acknowledgement WHERE operation_id = ?", String.class, change))
                .isEqualTo("Success");
    }

    /**
     * Issue 20, scenario 5: Microsoft's faults on the acknowledgement. The lane tries a failed attempt again inside
     * the 10-second window (after a 500, after a 429's Retry-After) instead of leaving the change to the in-order
     * consumers, which may be far behind: here they are stopped, so only the lane can answer.
     */
    @Test
    void theLaneTriesAFailedAcknowledgementAgainInsideTheWindowWithoutTheInOrderConsumers() throws Exception {
        String subscription = newSubscriptionId();
        String change = newOperationId();
        stubOperation(subscription, change, "ChangeQuantity", "InProgress", "pro", 20);
        MICROSOFT.stubFor(patch(operationPath(subscription, change)).inScenario(change).whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(500)).willSetStateTo("throttled"));
        MICROSOFT.stubFor(patch(operationPath(subscription, change)).inScenario(change).whenScenarioStateIs("throttled")
                .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "1")).willSetStateTo("answered"));
        MICROSOFT.stubFor(patch(operationPath(subscription, change)).inScenario(change).whenScenarioStateIs("answered")
                .willReturn(ok()));
        stubSubscription(subscription, "Subscribed", "pro", 20);

        camel.getRouteController().stopRoute("webhook-processing");
        try {
            assertThat(MicrosoftWebhook.call(port, MicrosoftWebhook.notification(change, subscription, "ChangeQuantity", "pro", 20))
                    .statusCode()).isEqualTo(200);

            await().atMost(WAIT).untilAsserted(() -> assertThat(jdbc.queryForList(
                    "SELECT claimed_by, decision FROM acknowledgement WHERE operation_id = ?", change))
                    .singleElement().satisfies(row -> {
                        assertThat(row.get("claimed_by")).isEqualTo("webhook-acknowledgement");
                        assertThat(row.get("decision")).isEqualTo("Success");
                    }));
        } finally {
            camel.getRouteController().startRoute("webhook-processing");
        }
        List<LoggedRequest> patches = MICROSOFT.findAll(patchRequestedFor(operationPath(subscription, change)));
        assertThat(patches).hasSize(3).allSatisfy(request -> assertThat(request.getBodyAsString()).contains("Success"));
        assertThat(Duration.between(patches.get(1).getLoggedDate().toInstant(), patches.get(2).getLoggedDate().toInstant()))
                .as("the attempt after the 429 waited for its Retry-After").isGreaterThanOrEqualTo(Duration.ofMillis(900));
        // Each attempt read the operation again before it answered (an unclear PATCH is not repeated blind).
        MICROSOFT.verify(3, getRequestedFor(operationPath(subscription, change)));
        // The decision endpoint is asked again by each attempt, under the same idempotency key.
        PUBLISHER.verify(3, postRequestedFor(urlPathEqualTo("/decision")).withHeader("Idempotency-Key", equalTo(change)));

        await().atMost(WAIT).untilAsserted(() -> assertThat(eventTypesAtProvisioning(subscription)).containsExactly("QuantityChanged"));
        MICROSOFT.verify(3, patchRequestedFor(operationPath(subscription, change)));
        assertThat(deadLettersOf(change)).isEmpty();
    }

    /** Get Operation answers a Succeeded operation after 1.5 s. */
    private static void stubSlowOperation(String subscription, String operation, String action) {
        MICROSOFT.stubFor(get(operationPath(subscription, operation))
                .willReturn(json(200, operationJson(subscription, operation, action, "Succeeded", "pro", 10)).withFixedDelay(1500)));
    }

    @Test
    void changeMicrosoftAlreadySettledIsNotAcknowledgedAgain() throws Exception {
        String subscription = newSubscriptionId();
        String accepted = newOperationId();
        String failed = newOperationId();
        stubOperation(subscription, accepted, "ChangePlan", "Succeeded", "pro", 10);
        stubOperation(subscription, failed, "ChangeQuantity", "Failed", "pro", 99);
        stubSubscription(subscription, "Subscribed", "pro", 10);

        MicrosoftWebhook.call(port, MicrosoftWebhook.notification(accepted, subscription, "ChangePlan", "pro", 10));
        MicrosoftWebhook.call(port, MicrosoftWebhook.notification(failed, subscription, "ChangeQuantity", "pro", 99));

        await().atMost(WAIT).untilAsserted(() -> assertThat(eventTypesAtProvisioning(subscription))
                .containsExactly("PlanChanged", "ChangeRejected"));
        MICROSOFT.verify(0, patchRequestedFor(urlPathEqualTo("/api/saas/subscriptions/" + subscription + "/operations/" + accepted)));
        MICROSOFT.verify(0, patchRequestedFor(urlPathEqualTo("/api/saas/subscriptions/" + subscription + "/operations/" + failed)));
    }

    @Test
    void conflictOnTheAcknowledgementIsFinal() throws Exception {
        String subscription = newSubscriptionId();
        String operation = newOperationId();
        stubOperation(subscription, operation, "ChangePlan", "InProgress", "pro", 10);
        stubAcknowledgement(subscription, operation, 409);
        stubSubscription(subscription, "Subscribed", "pro", 10);

        MicrosoftWebhook.call(port, MicrosoftWebhook.notification(operation, subscription, "ChangePlan", "pro", 10));

        await().atMost(WAIT).untilAsserted(() -> PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo("/provisioning"))
                .withHeader("Idempotency-Key", equalTo(operation))));
        MICROSOFT.verify(1, patchRequestedFor(operationPath(subscription, operation)));
        assertThat(deadLetters(connectionFactory, "marketplace.inbound", subscription)).isEmpty();
    }

    @Test
    void notificationContradictingGetOperationIsDeadLetteredWithoutEvent() throws Exception {
        String subscription = newSubscriptionId();
        String operation = newOperationId();
        stubOperation(subscription, operation, "ChangePlan", "InProgress", "enterprise", 10);
        stubAcknowledgement(subscription, operation, 200);
        stubSubscription(subscription, "Subscribed", "basic", 10);

        assertThat(MicrosoftWebhook.call(port, MicrosoftWebhook.notification(operation, subscription, "ChangePlan", "pro", 10)).statusCode())
                .isEqualTo(200);

        List<Message> deadLetters = await().atMost(WAIT).until(() -> deadLettersOf(operation), list -> !list.isEmpty());
        Message deadLetter = deadLetters.get(0);
        assertThat(deadLetter.getStringProperty("bridgeFailureMessage")).contains("planId pro", "enterprise");
        assertThat(deadLetter.getStringProperty("bridgeFailureException")).isEqualTo(io.marketplacebridge.failure.PermanentFailure.class.getName());
        assertThat(deadLetter.getStringProperty("bridgeAction")).isEqualTo("ChangePlan");
        assertThat(deadLetter.getStringProperty("JMSXGroupID")).isEqualTo(subscription);
        assertThat(deadLetter.propertyExists("Authorization")).isFalse();
        assertThat(((TextMessage) deadLetter).getText()).contains("\"aFieldMicrosoftAddedLater\"", "\"planId\":\"pro\"");
        MICROSOFT.verify(0, patchRequestedFor(operationPath(subscription, operation)));
        assertThat(PUBLISHER.findAll(postRequestedFor(urlPathEqualTo("/provisioning")).withHeader("Idempotency-Key", equalTo(operation))))
                .isEmpty();
    }

    @Test
    void operationMicrosoftDoesNotKnowIsDeadLetteredWithoutEvent() throws Exception {
        String subscription = newSubscriptionId();
        String operation = newOperationId();
        MICROSOFT.stubFor(get(operationPath(subscription, operation)).willReturn(json(404, "{\"error\":\"not found\"}")));

        assertThat(MicrosoftWebhook.call(port, MicrosoftWebhook.notification(operation, subscription, "Suspend", null, null)).statusCode())
                .isEqualTo(200);

        List<Message> deadLetters = await().atMost(WAIT).until(() -> deadLettersOf(operation), list -> !list.isEmpty());
        assertThat(deadLetters.get(0).getStringProperty("bridgeFailureMessage")).contains("get-operation answered HTTP 404");
        assertThat(PUBLISHER.findAll(postRequestedFor(urlPathEqualTo("/provisioning")).withHeader("Idempotency-Key", equalTo(operation))))
                .isEmpty();
    }

    @Test
    void subscribeIsPublishedAsPurchasedAndActivatedOnceAndNeverActivated() throws Exception {
        String subscription = newSubscriptionId();
        String operation = newOperationId();
        stubOperation(subscription, operation, "Subscribe", "Succeeded", "basic", 10);
        stubSubscription(subscription, "Subscribed", "basic", 10);

        assertThat(MicrosoftWebhook.call(port, MicrosoftWebhook.notification(operation, subscription, "Subscribe", "basic", 10))
                .statusCode()).isEqualTo(200);

        await().atMost(WAIT).untilAsserted(() -> assertThat(idempotencyKeysAtProvisioning(subscription))
                .containsExactly("purchase:" + subscription, "activated:" + subscription));
        PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo("/billing")).withHeader("Idempotency-Key", equalTo("purchase:" + subscription))
                .withRequestBody(matchingJsonPath("$.source", equalTo("webhook")))
                .withRequestBody(matchingJsonPath("$.operation.action", equalTo("Subscribe"))));
        // Provisioning's answer to Purchased reaches the activation flow, which has nothing to activate.
        await().during(Duration.ofSeconds(2)).atMost(WAIT).untilAsserted(() -> assertThat(idempotencyKeysAtProvisioning(subscription))
                .containsExactly("purchase:" + subscription, "activated:" + subscription));
        MICROSOFT.verify(0, postRequestedFor(urlPathEqualTo("/api/saas/subscriptions/" + subscription + "/activate")));
        MICROSOFT.verify(1, getRequestedFor(urlPathEqualTo("/api/saas/subscriptions/" + subscription)));
        MICROSOFT.verify(0, patchRequestedFor(operationPath(subscription, operation)));
        assertThat(deadLetters(connectionFactory, "marketplace.commands", subscription)).isEmpty();
    }

    @Test
    void subscribeAfterTheBuyerLandedPublishesNoSecondPurchased() throws Exception {
        String subscription = newSubscriptionId();
        String operation = newOperationId();
        MICROSOFT.stubFor(resolve("token-" + subscription).willReturn(json(200, resolved(subscription))));
        stubSubscription(subscription, "Subscribed", "basic", 10);
        stubOperation(subscription, operation, "Subscribe", "Succeeded", "basic", 10);
        HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/landing?token=token-"
                + subscription)).build(), HttpResponse.BodyHandlers.ofString());
        await().atMost(WAIT).untilAsserted(() -> assertThat(eventTypesAtProvisioning(subscription)).contains("Purchased"));

        MicrosoftWebhook.call(port, MicrosoftWebhook.notification(operation, subscription, "Subscribe", "basic", 10));

        await().atMost(WAIT).untilAsserted(() -> assertThat(idempotencyKeysAtProvisioning(subscription))
                .containsOnlyOnce("purchase:" + subscription).contains("activated:" + subscription));
        assertThat(deadLettersOf(operation)).isEmpty();
        MICROSOFT.verify(0, postRequestedFor(urlPathEqualTo("/api/saas/subscriptions/" + subscription + "/activate")));
    }

    @Test
    void subscribeGetOperationDoesNotKnowIsCheckedAgainstTheSubscriptionAndALaterLandingPublishesNothing() throws Exception {
        String subscription = newSubscriptionId();
        String operation = newOperationId();
        MICROSOFT.stubFor(get(operationPath(subscription, operation)).willReturn(json(404, "{}")));
        stubSubscription(subscription, "Subscribed", "basic", 10);

        MicrosoftWebhook.call(port, MicrosoftWebhook.notification(operation, subscription, "Subscribe", "basic", 10));
        await().atMost(WAIT).untilAsserted(() -> assertThat(eventTypesAtProvisioning(subscription)).containsExactly("Purchased", "Activated"));
        MICROSOFT.stubFor(resolve("token-" + subscription).willReturn(json(200, resolved(subscription))));
        HttpResponse<String> landing = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + port + "/landing?token=token-" + subscription)).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(landing.statusCode()).isEqualTo(200);
        await().during(Duration.ofSeconds(2)).atMost(WAIT).untilAsserted(() -> assertThat(eventTypesAtProvisioning(subscription))
                .containsExactly("Purchased", "Activated"));
        assertThat(deadLettersOf(operation)).isEmpty();
    }

    @Test
    void subscribeForASubscriptionThatIsNotSubscribedAndAnOperationMicrosoftDoesNotKnowIsDeadLettered() throws Exception {
        String subscription = newSubscriptionId();
        String operation = newOperationId();
        MICROSOFT.stubFor(get(operationPath(subscription, operation)).willReturn(json(404, "{}")));
        stubSubscription(subscription, "PendingFulfillmentStart", "basic", 10);

        MicrosoftWebhook.call(port, MicrosoftWebhook.notification(operation, subscription, "Subscribe", "basic", 10));

        List<Message> deadLetters = await().atMost(WAIT).until(() -> deadLettersOf(operation), list -> !list.isEmpty());
        assertThat(deadLetters.get(0).getStringProperty("bridgeFailureMessage")).contains("PendingFulfillmentStart", "not Subscribed");
        assertThat(eventTypesAtProvisioning(subscription)).isEmpty();
    }

    static String newOperationId() {
        return UUID.randomUUID().toString();
    }

    static com.github.tomakehurst.wiremock.matching.UrlPathPattern operationPath(String subscription, String operation) {
        return urlPathEqualTo("/api/saas/subscriptions/" + subscription + "/operations/" + operation);
    }

    /** Get Operation (3.10) answers with this operation. */
    static void stubOperation(String subscription, String operation, String action, String status, String planId, Integer quantity) {
        MICROSOFT.stubFor(get(operationPath(subscription, operation))
                .willReturn(json(200, operationJson(subscription, operation, action, status, planId, quantity))));
    }

    /** An operation as Get Operation (3.10) answers it. */
    static String operationJson(String subscription, String operation, String action, String status, String planId, Integer quantity) {
        return """
                {"id":"%s","activityId":"a-1","subscriptionId":"%s","offerId":"bridge-offer","publisherId":"contoso",
                 "planId":"%s","quantity":%s,"action":"%s","timeStamp":"2026-11-02T10:15:00Z","status":"%s",
                 "errorStatusCode":"","errorMessage":""}
                """.formatted(operation, subscription, planId, quantity, action, status);
    }

    /** Update Operation (3.11) answers with this status. */
    static void stubAcknowledgement(String subscription, String operation, int status) {
        MICROSOFT.stubFor(patch(operationPath(subscription, operation)).willReturn(aResponse().withStatus(status)));
    }

    private List<Message> deadLettersOf(String operation) {
        return new org.springframework.jms.core.JmsTemplate(connectionFactory).browseSelected("DLA::DLQ.marketplace.inbound",
                "bridgeOperationId = '" + operation + "'",
                (session, browser) -> java.util.Collections.list(browser.getEnumeration()).stream().map(Message.class::cast).toList());
    }

    static List<String> eventTypesAtProvisioning(String subscription) {
        return provisioningRequests(subscription).stream()
                .map(request -> com.jayway.jsonpath.JsonPath.<String>read(request.getBodyAsString(), "$.type")).toList();
    }

    static List<String> idempotencyKeysAtProvisioning(String subscription) {
        return provisioningRequests(subscription).stream().map(request -> request.getHeader("Idempotency-Key")).toList();
    }

    private static List<LoggedRequest> provisioningRequests(String subscription) {
        return PUBLISHER.findAll(postRequestedFor(urlPathEqualTo("/provisioning"))
                .withRequestBody(matchingJsonPath("$.subscription.id", equalTo(subscription))));
    }
}
