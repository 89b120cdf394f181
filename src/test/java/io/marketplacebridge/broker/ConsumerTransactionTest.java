package io.marketplacebridge.broker;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.marketplacebridge.BridgeTest.MICROSOFT;
import static io.marketplacebridge.BridgeTest.PUBLISHER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.marketplacebridge.BridgeTest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.AdviceWith;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A consumer's local transaction: what a route sends while it handles a message is committed with that message or
 * rolled back with it. It advises a route, so it runs an application of its own (with its own broker journal and
 * one consumer, to keep the count plain), not the shared test context.
 */
class ConsumerTransactionTest {

    @TempDir
    Path dataDir;

    @Test
    void commandSentBeforeAFailureIsRolledBackWithTheMessage() throws Exception {
        try (ConfigurableApplicationContext bridge = start()) {
            AtomicBoolean failedOnce = new AtomicBoolean();
            AdviceWith.adviceWith(bridge.getBean(CamelContext.class), "deliver-provisioning", route -> route
                    .weaveById("deliver-provisioning-answer").after()
                    .process(exchange -> {
                        if (failedOnce.compareAndSet(false, true)) {
                            throw new IllegalStateException("crash after queueing the activation");
                        }
                    }));
            String id = BridgeTest.newSubscriptionId();
            EmbeddedActiveMQ broker = bridge.getBean(EmbeddedActiveMQ.class);

            BridgeTest.purchase(BridgeTest.port(bridge), id);

            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo("/provisioning"))
                    .withHeader("Idempotency-Key", equalTo("activated:" + id))));
            assertThat(failedOnce).isTrue();
            PUBLISHER.verify(2, postRequestedFor(urlPathEqualTo("/provisioning")).withHeader("Idempotency-Key", equalTo("purchase:" + id)));
            // Provisioning's answer and the Activate command it led to; the answer sent before the crash was rolled back.
            assertThat(broker.getActiveMQServer().locateQueue(BrokerTopology.COMMANDS).getMessagesAdded()).isEqualTo(2);
            MICROSOFT.verify(1, postRequestedFor(urlPathEqualTo("/api/saas/subscriptions/" + id + "/activate")));
        }
    }

    private ConfigurableApplicationContext start() throws Exception {
        return BridgeTest.startApplication(dataDir, "consumer-transaction-test", Map.of("bridge.broker.consumers", "1", "bridge.broker.side-consumers", "1"));
    }
}
