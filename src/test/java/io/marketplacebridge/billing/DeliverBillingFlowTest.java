package io.marketplacebridge.billing;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.patchRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.marketplacebridge.BridgeTest;
import io.marketplacebridge.CanonicalEvents;
import jakarta.jms.Connection;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.Session;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.web.server.LocalServerPort;

/** deliver-billing.camel.yaml: every event to billing, once, in order per subscription, with dead letters. */
@ExtendWith(OutputCaptureExtension.class)
class DeliverBillingFlowTest extends BridgeTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @LocalServerPort
    int port;

    @Autowired
    @Qualifier("unbufferedConnectionFactory")
    ConnectionFactory connectionFactory;

    @Autowired
    ProducerTemplate producer;

    @Autowired
    CamelContext camel;

    @Autowired
    @Qualifier("artemisConnectionFactory")
    ActiveMQConnectionFactory artemis;

    @Test
    void purchasedAndActivatedReachBillingWithTheirEventIdAsIdempotencyKey() throws Exception {
        String id = newSubscriptionId();

        purchase(port, id);

        await().atMost(WAIT).untilAsserted(() -> PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo("/billing"))
                .withHeader("Idempotency-Key", equalTo("activated:" + id))
                .withHeader("Content-Type", containing("application/json"))
                .withRequestBody(matchingJsonPath("$.type", equalTo("Activated")))
                .withRequestBody(matchingJsonPath("$.subscription.saasSubscriptionStatus", equalTo("Subscribed")))));
        PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo("/billing"))
                .withHeader("Idempotency-Key", equalTo("purchase:" + id))
                .withRequestBody(matchingJsonPath("$.eventId", equalTo("purchase:" + id)))
                .withRequestBody(matchingJsonPath("$.type", equalTo("Purchased")))
                .withRequestBody(matchingJsonPath("$.subscription.planId", equalTo("basic")))
                .withRequestBody(matchingJsonPath("$.subscription.quantity", equalTo("10"))));
        List<LoggedRequest> delivered = PUBLISHER.findAll(postRequestedFor(urlPathEqualTo("/billing")).withRequestBody(containing(id)));
        assertThat(delivered).allSatisfy(request -> {
            assertThat(request.getHeaders().keys()).noneMatch(header -> header.startsWith("bridge") || header.startsWith("JMS"));
            assertThat(request.containsHeader("Authorization")).isFalse();
        });
        // The correlation id the landing flow sent to Microsoft reaches billing with the event.
        String correlation = MICROSOFT.findAll(postRequestedFor(urlPathEqualTo("/api/saas/subscriptions/resolve"))
                .withHeader("x-ms-marketplace-token", equalTo("token-" + id))).get(0).getHeader("x-ms-correlationid");
        assertThat(delivered).anySatisfy(request -> assertThat(request.getHeader("X-Correlation-Id")).isEqualTo(correlation));
    }

    @Test
    void conflictMeansAlreadyAppliedAndIsNotRetried() {
        String id = newSubscriptionId();
        PUBLISHER.stubFor(post(urlPathEqualTo("/billing")).withRequestBody(containing(id)).atPriority(1)
                .willReturn(aResponse().withStatus(409).withBody("{\"error\":\"already billed\"}")));

        CanonicalEvents.publish(producer, "renew:" + id, "Renewed", id);

        await().atMost(WAIT).untilAsserted(() -> PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo("/billing"))
                .withHeader("Idempotency-Key", equalTo("renew:" + id))));
        await().during(Duration.ofSeconds(1)).atMost(WAIT).untilAsserted(() -> {
            PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo("/billing")).withRequestBody(containing(id)));
            assertThat(deadLetters(connectionFactory, "billing", id)).isEmpty();
        });
    }

    @Test
    void refusalIsDeadLetteredAtOnceWithTheReason() throws Exception {
        String id = newSubscriptionId();
        PUBLISHER.stubFor(post(urlPathEqualTo("/billing")).withRequestBody(containing(id)).atPriority(1)
                .willReturn(aResponse().withStatus(422).withBody("{\"error\":\"unknown plan\"}")));

        CanonicalEvents.publish(producer, "plan:" + id, "PlanChanged", id);

        await().atMost(WAIT).until(() -> !deadLetters(connectionFactory, "billing", id).isEmpty());
        Message letter = deadLetters(connectionFactory, "billing", id).get(0);
        assertThat(letter.getStringProperty("bridgeEventId")).isEqualTo("plan:" + id);
        assertThat(letter.getStringProperty("bridgeFailureException")).isEqualTo(io.marketplacebridge.failure.Failure.class.getName());
        assertThat(letter.getStringProperty("bridgeFailureKind")).isEqualTo("permanent");
        assertThat(letter.getStringProperty("bridgeFailureMessage")).contains("422", "unknown plan");
        assertThat(letter.getStringProperty("bridgeFailureAttempts")).isEqualTo("1");
        assertThat(letter.getStringProperty("bridgeFailureRoute")).isEqualTo("deliver-billing");
        assertThat(letter.getStringProperty("bridgeFirstFailedAt")).isEqualTo(letter.getStringProperty("bridgeFailedAt"));
        PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo("/billing")).withRequestBody(containing(id)));
    }

    @Test
    void outageIsRedeliveredThenDelivered() {
        String id = newSubscriptionId();
        String scenario = "billing-" + id;
        PUBLISHER.stubFor(post(urlPathEqualTo("/billing")).withRequestBody(containing(id)).atPriority(1)
                .inScenario(scenario).whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(503)).willSetStateTo("throttled"));
        PUBLISHER.stubFor(post(urlPathEqualTo("/billing")).withRequestBody(containing(id)).atPriority(1)
                .inScenario(scenario).whenScenarioStateIs("throttled")
                .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "1")).willSetStateTo("up"));
        PUBLISHER.stubFor(post(urlPathEqualTo("/billing")).withRequestBody(containing(id)).atPriority(1)
                .inScenario(scenario).whenScenarioStateIs("up").willReturn(aResponse().withStatus(201)));

        CanonicalEvents.publish(producer, "quantity:" + id, "QuantityChanged", id);

        await().atMost(WAIT).untilAsserted(() -> assertThat(PUBLISHER.getAllScenarios().getScenarios().stream()
                .filter(s -> s.getName().equals(scenario)).findFirst().orElseThrow().getState()).isEqualTo("up"));
        await().atMost(WAIT).untilAsserted(() -> PUBLISHER.verify(3, postRequestedFor(urlPathEqualTo("/billing"))
                .withHeader("Idempotency-Key", equalTo("quantity:" + id))));
        await().during(Duration.ofSeconds(1)).atMost(WAIT).untilAsserted(() -> {
            PUBLISHER.verify(3, postRequestedFor(urlPathEqualTo("/billing")).withRequestBody(containing(id)));
            assertThat(deadLetters(connectionFactory, "billing", id)).isEmpty();
        });
        // The redelivery after the 429 waited for its Retry-After (1 s), longer than the 300 ms back-off.
        var attempts = PUBLISHER.findAll(postRequestedFor(urlPathEqualTo("/billing")).withRequestBody(containing(id)));
        assertThat(Duration.between(attempts.get(1).getLoggedDate().toInstant(), attempts.get(2).getLoggedDate().toInstant()))
                .isGreaterThanOrEqualTo(Duration.ofMillis(900));
    }

    @Test
    void deliveriesTheBrokerTookBackWithoutAFailedAttemptLeaveTheWholeRetryBudget() throws Exception {
        String id = newSubscriptionId();
        failsOnceThenAccepts("/billing", id, 503);
        // As in a broker failover: the event is delivered and rolled back three times before the route sees it,
        // so it arrives with JMSXDeliveryCount 4, above the test's budget of 3 attempts.
        camel.getRouteController().stopRoute("deliver-billing");
        try {
            CanonicalEvents.publish(producer, "taken-back:" + id, "Renewed", id);
            // The broker's own factory: the cached one keeps sessions and consumers open after close().
            try (Connection connection = artemis.createConnection()) {
                connection.start();
                Session session = connection.createSession(true, Session.SESSION_TRANSACTED);
                MessageConsumer consumer = session.createConsumer(session.createQueue("marketplace.events::billing"),
                        "bridgeSubscriptionId = '" + id + "'");
                for (int delivery = 1; delivery <= 3; delivery++) {
                    assertThat(consumer.receive(WAIT.toMillis())).as("delivery " + delivery).isNotNull();
                    session.rollback();
                }
            }
        } finally {
            camel.getRouteController().startRoute("deliver-billing");
        }

        // One failed attempt of the bridge's three: redelivered and delivered, not dead-lettered.
        await().atMost(WAIT).untilAsserted(() -> PUBLISHER.verify(2, postRequestedFor(urlPathEqualTo("/billing"))
                .withHeader("Idempotency-Key", equalTo("taken-back:" + id))));
        await().during(Duration.ofSeconds(1)).atMost(WAIT).untilAsserted(() -> {
            PUBLISHER.verify(2, postRequestedFor(urlPathEqualTo("/billing")).withRequestBody(containing(id)));
            assertThat(deadLetters(connectionFactory, "billing", id)).isEmpty();
        });
    }

    @Test
    void billingDownDoesNotHoldBackTheOtherSystemsOrOtherSubscriptions() {
        String down = newSubscriptionId();
        String other = newSubscriptionId();
        PUBLISHER.stubFor(post(urlPathEqualTo("/billing")).withRequestBody(containing(down)).atPriority(1)
                .willReturn(aResponse().withStatus(503).withFixedDelay(1500)));

        CanonicalEvents.publish(producer, "renew:" + down, "Renewed", down);
        CanonicalEvents.publish(producer, "renew:" + other, "Renewed", other);

        await().atMost(Duration.ofSeconds(3)).untilAsserted(() -> {
            PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo("/provisioning")).withHeader("Idempotency-Key", equalTo("renew:" + down)));
            SALESFORCE.verify(1, patchRequestedFor(urlPathMatching("/services/data/.*/" + down)));
            PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo("/billing")).withHeader("Idempotency-Key", equalTo("renew:" + other)));
        });
        assertThat(deadLetters(connectionFactory, "billing", down)).isEmpty();
        await().atMost(WAIT).until(() -> !deadLetters(connectionFactory, "billing", down).isEmpty());
        assertThat(deadLetters(connectionFactory, "provisioning", down)).isEmpty();
        assertThat(deadLetters(connectionFactory, "crm", down)).isEmpty();
    }

    @Test
    void eventsOfOneSubscriptionArriveInOrderWhileSubscriptionsRunInParallel() {
        List<String> subscriptions = List.of(newSubscriptionId(), newSubscriptionId(), newSubscriptionId());
        for (String id : subscriptions) {
            PUBLISHER.stubFor(post(urlPathEqualTo("/billing")).withRequestBody(containing(id)).atPriority(1)
                    .willReturn(aResponse().withStatus(200).withUniformRandomDelay(5, 80)));
        }
        List<String> sequence = IntStream.rangeClosed(1, 6).mapToObj(n -> "e" + n).toList();

        for (String n : sequence) {
            for (String id : subscriptions) {
                CanonicalEvents.publish(producer, n + ":" + id, "QuantityChanged", id);
            }
        }

        for (String id : subscriptions) {
            await().atMost(WAIT).untilAsserted(() -> assertThat(billingKeys(id)).hasSize(sequence.size()));
            assertThat(billingKeys(id)).containsExactlyElementsOf(sequence.stream().map(n -> n + ":" + id).toList());
        }
    }

    @Test
    void orderOfOneSubscriptionHoldsAcrossARedelivery() {
        String id = newSubscriptionId();
        String scenario = "order-" + id;
        PUBLISHER.stubFor(post(urlPathEqualTo("/billing")).withRequestBody(containing("\"first:" + id)).atPriority(1)
                .inScenario(scenario).whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(503)).willSetStateTo("recovered"));

        CanonicalEvents.publish(producer, "first:" + id, "QuantityChanged", id);
        CanonicalEvents.publish(producer, "second:" + id, "QuantityChanged", id);
        CanonicalEvents.publish(producer, "third:" + id, "QuantityChanged", id);

        await().atMost(WAIT).untilAsserted(() -> assertThat(billingKeys(id)).hasSize(4));
        assertThat(billingKeys(id)).containsExactly("first:" + id, "first:" + id, "second:" + id, "third:" + id);
    }

    private static List<String> billingKeys(String subscriptionId) {
        return PUBLISHER.findAll(postRequestedFor(urlPathEqualTo("/billing")).withRequestBody(containing(subscriptionId)))
                .stream().map(request -> request.getHeader("Idempotency-Key")).toList();
    }

    @Test
    void routineRetriesLogOneWarningLineEachAndTheDeadLetterOneError(CapturedOutput output) {
        String id = newSubscriptionId();
        PUBLISHER.stubFor(post(urlPathEqualTo("/billing")).withRequestBody(containing(id)).atPriority(1)
                .willReturn(aResponse().withStatus(503).withBody("maintenance")));

        CanonicalEvents.publish(producer, "renew:" + id, "Renewed", id);

        await().atMost(WAIT).until(() -> !deadLetters(connectionFactory, "billing", id).isEmpty());
        await().atMost(WAIT).until(() -> output.getOut().contains("(event renew:" + id));
        List<String> lines = output.getOut().lines().toList();
        assertThat(lines.stream().filter(line -> line.contains(" WARN ") && line.contains("on billing failed, redelivered")
                && line.contains("maintenance"))).hasSize(2);
        assertThat(lines.stream().filter(line -> line.contains(" ERROR ") && line.contains("renew:" + id))).hasSize(1);
        assertThat(output.getOut()).doesNotContain("DefaultErrorHandler", "Execution of JMS message listener failed")
                .doesNotContain("\tat org.apache.camel");
    }

    @Test
    void eventsAreWrittenWithoutTheNullsOfTheSubscription() {
        String id = newSubscriptionId();
        String withNulls = subscriptionJson(id, "Subscribed", "basic", 10, "tenant-a", "tenant-a")
                .replace("\"autoRenew\":true", "\"autoRenew\":true,\"sessionMode\":null");

        CanonicalEvents.publish(producer, "renew:" + id, "Renewed", withNulls, id);

        await().atMost(WAIT).untilAsserted(() -> PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo("/billing"))
                .withHeader("Idempotency-Key", equalTo("renew:" + id))));
        LoggedRequest delivered = PUBLISHER.findAll(postRequestedFor(urlPathEqualTo("/billing"))
                .withHeader("Idempotency-Key", equalTo("renew:" + id))).get(0);
        assertThat(delivered.getBodyAsString()).contains("\"autoRenew\":true").doesNotContain("sessionMode", "null");
    }
}
