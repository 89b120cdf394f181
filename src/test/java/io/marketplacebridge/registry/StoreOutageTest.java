package io.marketplacebridge.registry;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.marketplacebridge.BridgeTest;
import io.marketplacebridge.CanonicalEvents;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The store never weakens the broker's promises: a delivery whose record cannot be written is rolled back and
 * redelivered like any failure, and once the store is back it is recorded once. Runs an application of its own,
 * because it takes a table away.
 */
class StoreOutageTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dataDir;

    @Test
    void aDeliveryThatCannotBeRecordedIsRedeliveredAndRecordedOnceTheStoreIsBack() throws Exception {
        try (ConfigurableApplicationContext bridge = BridgeTest.startApplication(dataDir, "store-outage-test",
                Map.of("bridge.broker.max-delivery-attempts", "20"))) {
            JdbcTemplate jdbc = bridge.getBean(JdbcTemplate.class);
            String id = BridgeTest.newSubscriptionId();
            jdbc.execute("ALTER TABLE delivery RENAME TO delivery_away");

            CanonicalEvents.publish(bridge.getBean(ProducerTemplate.class), "renew:" + id, "Renewed", id);

            await().atMost(WAIT).until(() -> BridgeTest.PUBLISHER.findAll(postRequestedFor(urlPathEqualTo("/billing"))
                    .withHeader("Idempotency-Key", equalTo("renew:" + id))).size() >= 2);
            jdbc.execute("ALTER TABLE delivery_away RENAME TO delivery");
            await().atMost(WAIT).untilAsserted(() -> assertThat(jdbc.queryForList(
                    "SELECT target_system FROM delivery WHERE event_id = ? AND outcome = 'delivered'", String.class, "renew:" + id))
                    .containsExactlyInAnyOrder("audit", "billing", "crm", "provisioning"));
            assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM subscription_event WHERE event_id = ?", Integer.class, "renew:" + id))
                    .isEqualTo(1);
            assertThat(BridgeTest.deadLetters(bridge.getBean(jakarta.jms.ConnectionFactory.class), "billing", id)).isEmpty();
        }
    }
}
