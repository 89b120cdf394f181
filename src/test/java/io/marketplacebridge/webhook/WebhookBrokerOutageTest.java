package io.marketplacebridge.webhook;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.patchRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.marketplacebridge.BridgeTest.MICROSOFT;
import static io.marketplacebridge.BridgeTest.PUBLISHER;
import static io.marketplacebridge.webhook.WebhookProcessingFlowTest.newOperationId;
import static io.marketplacebridge.webhook.WebhookProcessingFlowTest.operationPath;
import static io.marketplacebridge.webhook.WebhookProcessingFlowTest.stubAcknowledgement;
import static io.marketplacebridge.webhook.WebhookProcessingFlowTest.stubOperation;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.marketplacebridge.BridgeTest;
import io.marketplacebridge.MarketplaceBridgeApplication;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * webhook-intake.camel.yaml when the broker is down: nothing can be stored, so the webhook answers 503 and
 * Microsoft retries; the retry after the broker is back is stored and processed once. Runs an application of its
 * own, whose embedded broker it stops and starts.
 */
class WebhookBrokerOutageTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dataDir;

    @Test
    void answers503WhileTheBrokerIsDownAndMicrosoftsRetrySucceedsOnceItIsBack() throws Exception {
        String subscription = BridgeTest.newSubscriptionId();
        String operation = newOperationId();
        stubOperation(subscription, operation, "ChangePlan", "InProgress", "pro", 10);
        stubAcknowledgement(subscription, operation, 200);
        BridgeTest.stubSubscription(subscription, "Subscribed", "pro", 10);
        PUBLISHER.stubFor(post(urlPathEqualTo("/provisioning")).atPriority(9).willReturn(ok()));
        String notification = MicrosoftWebhook.notification(operation, subscription, "ChangePlan", "pro", 10);

        try (ConfigurableApplicationContext bridge = start()) {
            int port = Integer.parseInt(bridge.getEnvironment().getProperty("local.server.port"));
            EmbeddedActiveMQ broker = bridge.getBean(EmbeddedActiveMQ.class);
            broker.stop();

            HttpResponse<String> whileDown = MicrosoftWebhook.call(port, notification);

            assertThat(whileDown.statusCode()).isEqualTo(503);
            assertThat(whileDown.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(whileDown.body()).contains("\"status\":503");

            broker.start();

            await().atMost(WAIT).pollInterval(Duration.ofMillis(500))
                    .until(() -> MicrosoftWebhook.call(port, notification).statusCode(), status -> status == 200);
            await().atMost(WAIT).untilAsserted(() -> PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo("/provisioning"))
                    .withHeader("Idempotency-Key", equalTo(operation))
                    .withRequestBody(matchingJsonPath("$.type", equalTo("PlanChanged")))));
            MICROSOFT.verify(1, patchRequestedFor(operationPath(subscription, operation)));
        }
    }

    private ConfigurableApplicationContext start() throws Exception {
        Map<String, String> settings = BridgeTest.applicationSettings();
        settings.put("server.port", "0");
        settings.put("camel.main.name", "webhook-outage-test");
        settings.put("bridge.broker.data-dir", dataDir.toString());
        String[] args = settings.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue()).toArray(String[]::new);
        return new SpringApplicationBuilder(MarketplaceBridgeApplication.class).run(args);
    }
}
