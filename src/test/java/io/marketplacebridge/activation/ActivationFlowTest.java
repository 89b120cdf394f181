package io.marketplacebridge.activation;

import static io.marketplacebridge.Logins.basic;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.marketplacebridge.BridgeTest;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.Message;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.web.server.LocalServerPort;

/** activation.camel.yaml: the "tenant ready" callback and the Activate command, never twice. */
class ActivationFlowTest extends BridgeTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String OPERATOR = basic("operator:test-admin-password");

    @LocalServerPort
    int port;

    @Autowired
    @Qualifier("unbufferedConnectionFactory")
    ConnectionFactory connectionFactory;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void tenantNotReadyActivatesOnlyOnTheCallbackAndOnlyOnce() throws Exception {
        String id = newSubscriptionId();
        PUBLISHER.stubFor(post(urlPathEqualTo("/provisioning")).withRequestBody(containing("purchase:" + id)).atPriority(1)
                .willReturn(aResponse().withStatus(202)));
        purchase(port, id);
        await().atMost(WAIT).untilAsserted(() -> PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo("/provisioning"))
                .withHeader("Idempotency-Key", equalTo("purchase:" + id))));

        HttpResponse<String> queued = activate(id, OPERATOR);

        assertThat(queued.statusCode()).isEqualTo(202);
        assertThat(queued.body()).contains("\"activation\":\"queued\"");
        await().atMost(WAIT).untilAsserted(() -> PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo("/provisioning"))
                .withHeader("Idempotency-Key", equalTo("activated:" + id))));
        HttpResponse<String> again = activate(id, OPERATOR);
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(again.body()).contains("already active");
        MICROSOFT.verify(1, postRequestedFor(urlPathEqualTo("/api/saas/subscriptions/" + id + "/activate"))
                .withRequestBody(equalToJson("{\"planId\":\"basic\",\"quantity\":10}")));
    }

    @Test
    void callbackRefusesAnonymousCallsAndWrongPasswords() throws Exception {
        String id = newSubscriptionId();

        HttpResponse<String> anonymous = activate(id, null);
        HttpResponse<String> wrongPassword = activate(id, basic("operator:nope"));

        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(wrongPassword.statusCode()).isEqualTo(401);
        MICROSOFT.verify(0, com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor(urlPathEqualTo("/api/saas/subscriptions/" + id)));
    }

    @Test
    void callbackRefusesAnIdThatIsNotAGuid() throws Exception {
        HttpResponse<String> answer = activate("not-a-guid", OPERATOR);

        assertThat(answer.statusCode()).isEqualTo(400);
        assertThat(answer.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(answer.body()).contains("\"status\":400", "GUID");
    }

    @Test
    void callbackForAnUnknownSubscriptionIs404AndForAnUnsubscribedOneIs409() throws Exception {
        String unknown = newSubscriptionId();
        String cancelled = newSubscriptionId();
        stubSubscription(cancelled, "Unsubscribed", "basic", 10);

        HttpResponse<String> notFound = activate(unknown, OPERATOR);
        HttpResponse<String> conflict = activate(cancelled, OPERATOR);

        assertThat(notFound.statusCode()).isEqualTo(404);
        assertThat(notFound.body()).contains("\"status\":404");
        assertThat(conflict.statusCode()).isEqualTo(409);
        assertThat(conflict.body()).contains("Unsubscribed");
        MICROSOFT.verify(0, postRequestedFor(urlPathEqualTo("/api/saas/subscriptions/" + cancelled + "/activate")));
    }

    @Test
    void activationMicrosoftFailsIsRedeliveredThenDeadLetteredWithTheReason() throws Exception {
        String id = newSubscriptionId();
        // Before the purchase: its activation starts as soon as provisioning answers.
        MICROSOFT.stubFor(post(urlPathEqualTo("/api/saas/subscriptions/" + id + "/activate")).atPriority(1)
                .willReturn(aResponse().withStatus(500)));
        purchase(port, id);

        await().atMost(WAIT).until(() -> !deadLetters(connectionFactory, "marketplace.commands", id).isEmpty());

        Message letter = deadLetters(connectionFactory, "marketplace.commands", id).get(0);
        assertThat(letter.getStringProperty("bridgeFailureException")).isEqualTo(io.marketplacebridge.failure.Failure.class.getName());
        assertThat(letter.getStringProperty("bridgeFailureMessage")).contains("activate", "500");
        assertThat(letter.getStringProperty("bridgeFailureAttempts")).isEqualTo("3");
        assertThat(letter.getStringProperty("bridgeCommand")).isEqualTo("Activate");
        MICROSOFT.verify(3, postRequestedFor(urlPathEqualTo("/api/saas/subscriptions/" + id + "/activate")));
    }

    @Test
    void activationMicrosoftRefusesIsDeadLetteredAtOnce() throws Exception {
        String id = newSubscriptionId();
        MICROSOFT.stubFor(post(urlPathEqualTo("/api/saas/subscriptions/" + id + "/activate")).atPriority(1)
                .willReturn(json(400, "{\"error\":{\"code\":\"BadArgument\",\"message\":\"planId differs\"}}")));
        purchase(port, id);

        await().atMost(WAIT).until(() -> !deadLetters(connectionFactory, "marketplace.commands", id).isEmpty());

        Message letter = deadLetters(connectionFactory, "marketplace.commands", id).get(0);
        assertThat(letter.getStringProperty("bridgeFailureMessage")).contains("400", "planId differs");
        assertThat(letter.getStringProperty("bridgeFailureAttempts")).isEqualTo("1");
        MICROSOFT.verify(1, postRequestedFor(urlPathEqualTo("/api/saas/subscriptions/" + id + "/activate")));
    }

    private HttpResponse<String> activate(String id, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/subscriptions/" + id + "/activation"))
                .POST(HttpRequest.BodyPublishers.noBody());
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
