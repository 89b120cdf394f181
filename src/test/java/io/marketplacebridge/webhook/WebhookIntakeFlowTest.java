package io.marketplacebridge.webhook;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.patchRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.marketplacebridge.webhook.MicrosoftWebhook.ENTRA_KEY;
import static io.marketplacebridge.webhook.MicrosoftWebhook.FORGED_KEY;
import static io.marketplacebridge.webhook.MicrosoftWebhook.notification;
import static io.marketplacebridge.webhook.MicrosoftWebhook.signed;
import static io.marketplacebridge.webhook.MicrosoftWebhook.v1;
import static io.marketplacebridge.webhook.MicrosoftWebhook.v2;
import static io.marketplacebridge.webhook.WebhookProcessingFlowTest.newOperationId;
import static io.marketplacebridge.webhook.WebhookProcessingFlowTest.operationPath;
import static io.marketplacebridge.webhook.WebhookProcessingFlowTest.stubAcknowledgement;
import static io.marketplacebridge.webhook.WebhookProcessingFlowTest.stubOperation;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.marketplacebridge.BridgeTest;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.Message;
import jakarta.jms.TextMessage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;

/** webhook-intake.camel.yaml: Microsoft's call → token check → marketplace.inbound → 200 (or 400/401/413). */
@ExtendWith(OutputCaptureExtension.class)
class WebhookIntakeFlowTest extends BridgeTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @LocalServerPort
    int port;

    @Autowired
    @Qualifier("unbufferedConnectionFactory")
    ConnectionFactory connectionFactory;

    @Value("${bridge.audit.directory}")
    Path auditDirectory;

    @Test
    void forgedOrMissingTokensGet401AndNothingIsStored(CapturedOutput output) throws Exception {
        String subscription = newSubscriptionId();
        Map<String, String> forgeries = new LinkedHashMap<>();
        forgeries.put("no Authorization header", null);
        forgeries.put("basic credentials", "Basic b3BlcmF0b3I6dGVzdC1hZG1pbi1wYXNzd29yZA==");
        forgeries.put("signed by another key", "Bearer " + signed(FORGED_KEY, v2().build()));
        forgeries.put("unsigned", "Bearer " + MicrosoftWebhook.unsigned(v2().build()));
        forgeries.put("expired", "Bearer " + signed(ENTRA_KEY, v2().expirationTime(Date.from(Instant.now().minusSeconds(600))).build()));
        forgeries.put("not yet valid", "Bearer " + signed(ENTRA_KEY, v1().notBeforeTime(Date.from(Instant.now().plusSeconds(600))).build()));
        forgeries.put("another audience", "Bearer " + signed(ENTRA_KEY, v2().audience("11111111-2222-3333-4444-555555555555").build()));
        forgeries.put("another tenant", "Bearer " + signed(ENTRA_KEY, v2().claim("tid", "99999999-2222-3333-4444-555555555555")
                .issuer("https://login.microsoftonline.com/99999999-2222-3333-4444-555555555555/v2.0").build()));
        forgeries.put("another app", "Bearer " + signed(ENTRA_KEY, v1().claim("appid", "11111111-2222-3333-4444-555555555555").build()));
        Map<String, String> operations = new LinkedHashMap<>();

        for (Map.Entry<String, String> forgery : forgeries.entrySet()) {
            String operation = newOperationId();
            operations.put(forgery.getKey(), operation);
            stubOperation(subscription, operation, "Suspend", "Succeeded", "basic", 10);
            HttpResponse<String> answer = MicrosoftWebhook.call(port, forgery.getValue(), notification(operation, subscription, "Suspend", null, null));

            assertThat(answer.statusCode()).as(forgery.getKey()).isEqualTo(401);
            assertThat(answer.headers().firstValue("Content-Type")).as(forgery.getKey()).hasValue("application/problem+json");
            assertThat(answer.body()).as(forgery.getKey()).contains("\"status\":401");
        }
        // Notifications of one subscription are processed in order: once a genuine one is through, a forged one
        // stored before it would have been processed too.
        String genuine = newOperationId();
        stubOperation(subscription, genuine, "Suspend", "Succeeded", "basic", 10);
        stubSubscription(subscription, "Suspended", "basic", 10);
        assertThat(MicrosoftWebhook.call(port, notification(genuine, subscription, "Suspend", null, null)).statusCode()).isEqualTo(200);

        await().atMost(WAIT).untilAsserted(() -> PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo("/provisioning"))
                .withHeader("Idempotency-Key", equalTo(genuine))));
        operations.forEach((forgery, operation) -> {
            MICROSOFT.verify(0, getRequestedFor(operationPath(subscription, operation)));
            PUBLISHER.verify(0, postRequestedFor(urlPathEqualTo("/provisioning")).withHeader("Idempotency-Key", equalTo(operation)));
        });
        forgeries.values().stream().filter(token -> token != null)
                .forEach(token -> assertThat(output.getAll()).doesNotContain(token.substring(token.indexOf(' ') + 1)));
        assertThat(output.getAll()).contains("Webhook call refused (401)");
    }

    @Test
    void malformedNotificationsGet400() throws Exception {
        String subscription = newSubscriptionId();
        String operation = newOperationId();
        List<String> malformed = List.of(
                "this is not JSON",
                "[{\"id\":\"" + operation + "\"}]",
                "{}",
                "{\"subscriptionId\":\"" + subscription + "\",\"action\":\"Suspend\"}",
                "{\"id\":\"../../subscriptions\",\"subscriptionId\":\"" + subscription + "\",\"action\":\"Suspend\"}",
                "{\"id\":\"" + operation + "\",\"action\":\"Suspend\"}",
                "{\"id\":\"" + operation + "\",\"subscriptionId\":\"" + subscription + "\"}",
                "{\"id\":\"" + operation + "\",\"subscriptionId\":\"" + subscription + "\",\"action\":\"Suspend\"");

        for (String body : malformed) {
            HttpResponse<String> answer = MicrosoftWebhook.call(port, body);

            assertThat(answer.statusCode()).as(body).isEqualTo(400);
            assertThat(answer.headers().firstValue("Content-Type")).as(body).hasValue("application/problem+json");
            assertThat(answer.body()).as(body).contains("\"status\":400");
        }
    }

    @Test
    void notificationLargerThanTheLimitGets413() throws Exception {
        String subscription = newSubscriptionId();
        String operation = newOperationId();
        String oversize = "{\"id\":\"" + operation + "\",\"subscriptionId\":\"" + subscription + "\",\"action\":\"Suspend\",\"padding\":\""
                + "x".repeat(70 * 1024) + "\"}";

        HttpResponse<String> answer = MicrosoftWebhook.call(port, oversize);

        assertThat(answer.statusCode()).isEqualTo(413);
        assertThat(answer.body()).contains("\"status\":413");
        MICROSOFT.verify(0, getRequestedFor(operationPath(subscription, operation)));
    }

    @Test
    void hugeOrChunkedNotificationOverTheLimitGets413BeforeItIsRead() throws Exception {
        byte[] declared = new byte[8 * 1024 * 1024];
        byte[] chunked = new byte[200 * 1024];
        HttpClient http = HttpClient.newHttpClient();
        URI webhook = URI.create("http://localhost:" + port + "/api/webhook");

        HttpResponse<String> big = http.send(HttpRequest.newBuilder(webhook).header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + MicrosoftWebhook.token())
                .POST(HttpRequest.BodyPublishers.ofByteArray(declared)).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> streamed = http.send(HttpRequest.newBuilder(webhook).header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + MicrosoftWebhook.token())
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(chunked))).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(big.statusCode()).isEqualTo(413);
        assertThat(big.body()).contains("\"status\":413");
        assertThat(streamed.statusCode()).isEqualTo(413);
    }

    @Test
    void chunkedNotificationWithinTheLimitIsStored() throws Exception {
        String subscription = newSubscriptionId();
        String operation = newOperationId();
        byte[] body = notification(operation, subscription, "Renew", "basic", 10).getBytes(StandardCharsets.UTF_8);

        HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/webhook"))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + MicrosoftWebhook.token())
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).contains(operation);
    }

    @Test
    void duplicateDeliveryMakesOneAcknowledgementAndOneEvent() throws Exception {
        String subscription = newSubscriptionId();
        String operation = newOperationId();
        stubOperation(subscription, operation, "ChangePlan", "InProgress", "pro", 10);
        stubAcknowledgement(subscription, operation, 200);
        stubSubscription(subscription, "Subscribed", "pro", 10);
        String body = notification(operation, subscription, "ChangePlan", "pro", 10);

        assertThat(MicrosoftWebhook.call(port, body).statusCode()).isEqualTo(200);
        assertThat(MicrosoftWebhook.call(port, body).statusCode()).isEqualTo(200);
        await().atMost(WAIT).untilAsserted(() -> PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo("/provisioning"))
                .withHeader("Idempotency-Key", equalTo(operation))));
        assertThat(MicrosoftWebhook.call(port, body).statusCode()).isEqualTo(200);

        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            MICROSOFT.verify(1, patchRequestedFor(operationPath(subscription, operation)));
            PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo("/provisioning")).withHeader("Idempotency-Key", equalTo(operation)));
            PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo("/decision")).withHeader("Idempotency-Key", equalTo(operation)));
        });
    }

    @Test
    void unknownActionIsAcceptedAndRecordedAsUnrecognizedWithoutDeadLetterOrAcknowledgement() throws Exception {
        String subscription = newSubscriptionId();
        String operation = newOperationId();
        stubOperation(subscription, operation, "Transfer", "Succeeded", "basic", 10);
        stubSubscription(subscription, "Subscribed", "basic", 10);

        HttpResponse<String> answer = MicrosoftWebhook.call(port, notification(operation, subscription, "Transfer", "basic", 10));

        assertThat(answer.statusCode()).isEqualTo(200);
        await().atMost(WAIT).untilAsserted(() -> assertThat(auditLines())
                .anySatisfy(line -> assertThat(line).contains("\"eventId\":\"" + operation + "\"", "\"eventType\":\"Unrecognized\"",
                        "\"action\":\"Transfer\"")));
        await().atMost(WAIT).untilAsserted(() -> PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo("/provisioning"))
                .withHeader("Idempotency-Key", equalTo(operation))
                .withRequestBody(matchingJsonPath("$.type", equalTo("Unrecognized")))
                .withRequestBody(matchingJsonPath("$.operation.action", equalTo("Transfer")))));
        assertThat(deadLetters(connectionFactory, "marketplace.inbound", subscription)).isEmpty();
        MICROSOFT.verify(0, patchRequestedFor(operationPath(subscription, operation)));
    }

    @Test
    void storedNotificationIsTheBodyAsSentWithOnlyTheBridgesHeaders() throws Exception {
        String subscription = newSubscriptionId();
        String operation = newOperationId();
        MICROSOFT.stubFor(get(operationPath(subscription, operation)).willReturn(aResponse().withStatus(404)));
        String body = notification(operation, subscription, "Renew", "basic", 10);
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/webhook"))
                .header("Authorization", "Bearer " + MicrosoftWebhook.token())
                .header("Content-Type", "application/json")
                .header("X-Forwarded-For", "203.0.113.7")
                .header("bridgeEventType", "Injected")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();

        assertThat(HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);

        // Microsoft does not know the operation, so the stored message ends, as it was stored, in the dead letters.
        Message stored = await().atMost(WAIT).until(() -> deadLetters(connectionFactory, "marketplace.inbound", subscription),
                list -> !list.isEmpty()).get(0);
        assertThat(((TextMessage) stored).getText()).isEqualTo(body);
        assertThat(stored.getStringProperty("bridgeOperationId")).isEqualTo(operation);
        assertThat(stored.getStringProperty("bridgeAction")).isEqualTo("Renew");
        assertThat(stored.getStringProperty("JMSXGroupID")).isEqualTo(subscription);
        assertThat(stored.propertyExists("Authorization")).isFalse();
        assertThat(stored.propertyExists("X-Forwarded-For")).isFalse();
        assertThat(stored.propertyExists("bridgeEventType")).isFalse();
    }

    @Test
    void intakeAnswersWithoutWaitingForTheFulfillmentApi() throws Exception {
        String subscription = newSubscriptionId();
        String operation = newOperationId();
        // A slow answer, then a final one: the notification is dead-lettered soon after and holds no consumer.
        MICROSOFT.stubFor(get(operationPath(subscription, operation)).willReturn(aResponse().withStatus(404).withFixedDelay(4000)));

        long started = System.nanoTime();
        HttpResponse<String> answer = MicrosoftWebhook.call(port, notification(operation, subscription, "Renew", "basic", 10));

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
        assertThat(answer.body()).contains(operation);
    }

    private List<String> auditLines() throws IOException {
        if (!Files.isDirectory(auditDirectory)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(auditDirectory)) {
            return files.filter(file -> file.getFileName().toString().endsWith(".jsonl")).flatMap(file -> {
                try {
                    return Files.readAllLines(file).stream();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }).toList();
        }
    }
}
