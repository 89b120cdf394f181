package io.marketplacebridge.provisioning;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.marketplacebridge.BridgeTest;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.Message;
import jakarta.jms.TextMessage;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.web.server.LocalServerPort;

/** deliver-provisioning.camel.yaml: delivery with idempotency key, redelivery, dead letters, activation trigger. */
class DeliverProvisioningFlowTest extends BridgeTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @LocalServerPort
    int port;

    @Autowired
    @Qualifier("unbufferedConnectionFactory")
    ConnectionFactory connectionFactory;

    @Test
    void provisioningDownIsRedeliveredThenDeadLetteredWithTheReason() throws Exception {
        String id = newSubscriptionId();
        PUBLISHER.stubFor(post(urlPathEqualTo("/provisioning")).withRequestBody(containing(id)).atPriority(1)
                .willReturn(aResponse().withStatus(503).withBody("maintenance")));

        purchase(port, id);

        await().atMost(WAIT).until(() -> !deadLetters(connectionFactory, "provisioning", id).isEmpty());
        List<Message> dead = deadLetters(connectionFactory, "provisioning", id);
        assertThat(dead).hasSize(1);
        Message letter = dead.get(0);
        assertThat(letter.getStringProperty("bridgeEventId")).isEqualTo("purchase:" + id);
        assertThat(letter.getStringProperty("bridgeFailureException")).isEqualTo(io.marketplacebridge.failure.Failure.class.getName());
        assertThat(letter.getStringProperty("bridgeFailureMessage")).contains("503", "maintenance");
        assertThat(letter.getStringProperty("bridgeFailureAttempts")).isEqualTo("3");
        assertThat(letter.getStringProperty("bridgeFailedAt")).isNotBlank();
        assertThat(((TextMessage) letter).getText()).contains("\"eventId\":\"purchase:" + id + "\"");
        PUBLISHER.verify(3, postRequestedFor(urlPathEqualTo("/provisioning")).withHeader("Idempotency-Key", equalTo("purchase:" + id)));
        MICROSOFT.verify(0, postRequestedFor(urlPathEqualTo("/api/saas/subscriptions/" + id + "/activate")));
    }

    @Test
    void refusalIsDeadLetteredAtOnce() throws Exception {
        String id = newSubscriptionId();
        PUBLISHER.stubFor(post(urlPathEqualTo("/provisioning")).withRequestBody(containing(id)).atPriority(1)
                .willReturn(aResponse().withStatus(422).withBody("{\"error\":\"unknown offer\"}")));

        purchase(port, id);

        await().atMost(WAIT).until(() -> !deadLetters(connectionFactory, "provisioning", id).isEmpty());
        Message letter = deadLetters(connectionFactory, "provisioning", id).get(0);
        assertThat(letter.getStringProperty("bridgeFailureException")).isEqualTo(io.marketplacebridge.failure.Failure.class.getName());
        assertThat(letter.getStringProperty("bridgeFailureMessage")).contains("422", "unknown offer");
        assertThat(letter.getStringProperty("bridgeFailureAttempts")).isEqualTo("1");
        PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo("/provisioning")).withHeader("Idempotency-Key", equalTo("purchase:" + id)));
    }

    @Test
    void transientFailureIsRetriedThenDeliveredAndActivates() throws Exception {
        String id = newSubscriptionId();
        failsOnceThenAccepts("/provisioning", id, 500);

        purchase(port, id);

        await().atMost(WAIT).untilAsserted(() -> PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo("/provisioning"))
                .withHeader("Idempotency-Key", equalTo("activated:" + id))));
        PUBLISHER.verify(2, postRequestedFor(urlPathEqualTo("/provisioning")).withHeader("Idempotency-Key", equalTo("purchase:" + id)));
        MICROSOFT.verify(1, postRequestedFor(urlPathEqualTo("/api/saas/subscriptions/" + id + "/activate")));
        assertThat(deadLetters(connectionFactory, "provisioning", id)).isEmpty();
    }
}
