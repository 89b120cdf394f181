package io.marketplacebridge.broker;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.marketplacebridge.BridgeTest.MICROSOFT;
import static io.marketplacebridge.BridgeTest.PUBLISHER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.marketplacebridge.BridgeTest;
import io.marketplacebridge.MarketplaceBridgeApplication;
import jakarta.jms.Connection;
import jakarta.jms.JMSSecurityException;
import jakarta.jms.Message;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.api.core.TransportConfiguration;
import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.config.CoreAddressConfiguration;
import org.apache.activemq.artemis.core.config.FileDeploymentManager;
import org.apache.activemq.artemis.core.config.impl.FileConfiguration;
import org.apache.activemq.artemis.core.config.impl.SecurityConfiguration;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.activemq.artemis.spi.core.security.ActiveMQJAASSecurityManager;
import org.apache.activemq.artemis.spi.core.security.jaas.InVMLoginModule;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.io.FileSystemResource;

/**
 * The bridge on an external Artemis (docker-compose.yml): {@code bridge.broker.url} switches the embedded broker off
 * and the flows work unchanged on a broker configured by config/artemis/broker.xml, the file the compose broker is
 * given. That broker runs here in the test JVM from the file itself; the test changes only the acceptor (a free
 * localhost port), the data directories, the user (what the image creates from ARTEMIS_USER/ARTEMIS_PASSWORD) and
 * the redelivery delays. Runs a whole application of its own, not the shared test context.
 */
class ExternalBrokerTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Path BROKER_XML = Path.of("config", "artemis", "broker.xml");
    private static final String USER = "bridge";
    private static final String PASSWORD = UUID.randomUUID().toString();
    /** The role the Artemis image gives ARTEMIS_USER ({@code artemis create --role}, default {@code amq}). */
    private static final String IMAGE_ROLE = "amq";

    @TempDir
    static Path brokerDir;

    @TempDir
    static Path bridgeDataDir;

    private static EmbeddedActiveMQ broker;
    private static ConfigurableApplicationContext bridge;
    private static String brokerUrl;
    private static ActiveMQConnectionFactory brokerClient;

    @BeforeAll
    static void startBrokerThenBridge() throws Exception {
        broker = new EmbeddedActiveMQ()
                .setConfiguration(forThisTest(fromFile()))
                .setSecurityManager(new ActiveMQJAASSecurityManager(InVMLoginModule.class.getName(),
                        new SecurityConfiguration(Map.of(USER, PASSWORD), Map.of(USER, List.of(IMAGE_ROLE)))));
        broker.start();
        brokerUrl = "tcp://localhost:" + broker.getActiveMQServer().getRemotingService().getAcceptor("artemis").getActualPort();
        brokerClient = new ActiveMQConnectionFactory(brokerUrl, USER, PASSWORD);

        Map<String, String> settings = BridgeTest.applicationSettings();
        settings.put("server.port", "0");
        settings.put("camel.main.name", "external-broker-test");
        settings.put("bridge.broker.url", brokerUrl);
        settings.put("bridge.broker.user", USER);
        settings.put("bridge.broker.password", PASSWORD);
        settings.put("bridge.broker.data-dir", bridgeDataDir.toString());
        // The broker shares this JVM's logging: its audit log is off, as in the image's log4j2.properties.
        settings.put("logging.level.org.apache.activemq.audit", "OFF");
        // The bridge never gives up here, so a failing message stays with the broker until broker.xml's
        // max-delivery-attempts ends it: the case of a consumer that dies before it can dead-letter.
        settings.put("bridge.broker.max-delivery-attempts", "1000");
        // broker.xml's backstop is 20 deliveries: 50 ms apart they take about a second.
        settings.put("bridge.broker.redelivery-delay", "50ms");
        settings.put("bridge.broker.max-redelivery-delay", "50ms");
        String[] args = settings.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue()).toArray(String[]::new);
        bridge = new SpringApplicationBuilder(MarketplaceBridgeApplication.class).run(args);
    }

    @AfterAll
    static void stopBridgeThenBroker() throws Exception {
        if (bridge != null) {
            bridge.close();
        }
        if (brokerClient != null) {
            brokerClient.close();
        }
        if (broker != null) {
            broker.stop();
        }
    }

    @Test
    void brokerXmlHasTheTopologyAndRedeliveryOfTheEmbeddedBroker() throws Exception {
        Configuration file = fromFile();
        Configuration embedded = EmbeddedBrokerConfiguration.configuration(defaults(), 0);

        assertThat(topology(file)).isEqualTo(topology(embedded));
        assertThat(file.getAddressSettings().get("#")).isEqualTo(embedded.getAddressSettings().get("#"));
        // The broker's backstop leaves room for the deliveries a failover takes back without a failed attempt.
        assertThat(file.getAddressSettings().get("#").getMaxDeliveryAttempts()).isEqualTo(4 * defaults().maxDeliveryAttempts());
        assertThat(file.isPersistenceEnabled()).isTrue();
        assertThat(file.isPersistIDCache()).isEqualTo(embedded.isPersistIDCache());
        assertThat(file.getIDCacheSize()).isEqualTo(embedded.getIDCacheSize());
    }

    @Test
    void externalBrokerUrlSwitchesTheEmbeddedBrokerOff() {
        assertThat(bridge.getBeansOfType(EmbeddedActiveMQ.class)).isEmpty();
        assertThat(bridgeDataDir.resolve("journal")).doesNotExist();
        await().atMost(WAIT).untilAsserted(() ->
                assertThat(broker.getActiveMQServer().locateQueue("provisioning").getConsumerCount()).isPositive());
        // As the image runs it (--require-login): only the configured user gets in.
        assertThatThrownBy(() -> {
            try (Connection anonymous = new ActiveMQConnectionFactory(brokerUrl).createConnection()) {
                anonymous.start();
            }
        }).isInstanceOf(JMSSecurityException.class);
    }

    @Test
    void purchaseIsProvisionedAndActivatedThroughTheExternalBroker() throws Exception {
        String id = BridgeTest.newSubscriptionId();
        PUBLISHER.stubFor(post(urlPathEqualTo("/provisioning")).withRequestBody(containing(id)).atPriority(1).willReturn(ok()));
        long eventsBefore = broker.getActiveMQServer().locateQueue("provisioning").getMessagesAdded();

        assertThat(BridgeTest.purchase(port(), id).statusCode()).isEqualTo(200);

        await().atMost(WAIT).untilAsserted(() -> PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo("/provisioning"))
                .withHeader("Idempotency-Key", equalTo("activated:" + id))
                .withRequestBody(matchingJsonPath("$.type", equalTo("Activated")))));
        PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo("/provisioning"))
                .withHeader("Idempotency-Key", equalTo("purchase:" + id))
                .withRequestBody(matchingJsonPath("$.type", equalTo("Purchased"))));
        MICROSOFT.verify(1, postRequestedFor(urlPathEqualTo("/api/saas/subscriptions/" + id + "/activate")));
        assertThat(broker.getActiveMQServer().locateQueue("provisioning").getMessagesAdded()).isGreaterThanOrEqualTo(eventsBefore + 2);
    }

    @Test
    void provisioningRefusalIsDeadLetteredOnTheExternalBrokerWithTheReason() throws Exception {
        String id = BridgeTest.newSubscriptionId();
        PUBLISHER.stubFor(post(urlPathEqualTo("/provisioning")).withRequestBody(containing(id)).atPriority(1)
                .willReturn(aResponse().withStatus(422).withBody("{\"error\":\"unknown offer\"}")));

        BridgeTest.purchase(port(), id);

        await().atMost(WAIT).until(() -> !BridgeTest.deadLetters(brokerClient, "provisioning", id).isEmpty());
        List<Message> dead = BridgeTest.deadLetters(brokerClient, "provisioning", id);
        assertThat(dead).hasSize(1);
        Message letter = dead.get(0);
        assertThat(letter.getStringProperty("bridgeEventId")).isEqualTo("purchase:" + id);
        assertThat(letter.getStringProperty("bridgeFailureException")).isEqualTo(io.marketplacebridge.failure.Failure.class.getName());
        assertThat(letter.getStringProperty("bridgeFailureMessage")).contains("422", "unknown offer");
        assertThat(letter.getStringProperty("bridgeFailureAttempts")).isEqualTo("1");
        assertThat(letter.getStringProperty("bridgeFailedAt")).isNotBlank();
        PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo("/provisioning")).withHeader("Idempotency-Key", equalTo("purchase:" + id)));
        MICROSOFT.verify(0, postRequestedFor(urlPathEqualTo("/api/saas/subscriptions/" + id + "/activate")));
    }

    @Test
    void messageTheBridgeNeverFinishesEndsInItsDeadLetterQueueAtTheBrokersLimit() throws Exception {
        String id = BridgeTest.newSubscriptionId();
        PUBLISHER.stubFor(post(urlPathEqualTo("/provisioning")).withRequestBody(containing(id)).atPriority(1)
                .willReturn(aResponse().withStatus(503)));
        int brokerLimit = fromFile().getAddressSettings().get("#").getMaxDeliveryAttempts();

        BridgeTest.purchase(port(), id);

        // The broker's limit (20) at the tests' back-off (at most 1 s): about 18 s.
        await().atMost(WAIT.multipliedBy(3)).until(() -> !BridgeTest.deadLetters(brokerClient, "provisioning", id).isEmpty());
        Message letter = BridgeTest.deadLetters(brokerClient, "provisioning", id).get(0);
        assertThat(letter.getStringProperty("bridgeEventId")).isEqualTo("purchase:" + id);
        assertThat(letter.getStringProperty("_AMQ_ORIG_QUEUE")).isEqualTo("provisioning");
        assertThat(letter.getStringProperty("bridgeFailureException")).isNull();
        PUBLISHER.verify(brokerLimit, postRequestedFor(urlPathEqualTo("/provisioning")).withHeader("Idempotency-Key", equalTo("purchase:" + id)));
        assertThat(broker.getActiveMQServer().bindingQuery(SimpleString.of(BrokerTopology.DEAD_LETTER_ADDRESS)).getQueueNames())
                .map(SimpleString::toString)
                .containsExactlyInAnyOrderElementsOf(BrokerTopology.consumedQueues().stream()
                        .map(queue -> BrokerTopology.DEAD_LETTER_PREFIX + queue).toList());
    }

    @Test
    void deadLetterCountsAreTheExternalBrokersOwn() throws Exception {
        String id = BridgeTest.newSubscriptionId();
        PUBLISHER.stubFor(post(urlPathEqualTo("/provisioning")).withRequestBody(containing(id)).atPriority(1)
                .willReturn(aResponse().withStatus(422)));
        BridgeTest.purchase(port(), id);
        await().atMost(WAIT).until(() -> !BridgeTest.deadLetters(brokerClient, "provisioning", id).isEmpty());

        await().atMost(WAIT).untilAsserted(() -> {
            HttpResponse<String> answer = BridgeTest.call(port(), "GET", "/api/admin/dead-letters", "operator:test-admin-password", null);

            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
            JsonNode queues = new ObjectMapper().readTree(answer.body()).path("queues");
            assertThat(queues).hasSize(BrokerTopology.consumedQueues().size()).allSatisfy(entry -> assertThat(entry.path("messages").asLong())
                    .as(entry.toString())
                    .isEqualTo(broker.getActiveMQServer().locateQueue(entry.path("deadLetterQueue").asText()).getMessageCount()));
            assertThat(queues.findValues("messages").stream().mapToLong(JsonNode::asLong).sum()).isPositive();
        });
    }

    /** config/artemis/broker.xml as the broker reads it (validated against Artemis' schema). */
    private static Configuration fromFile() throws Exception {
        FileConfiguration configuration = new FileConfiguration();
        FileDeploymentManager deployment = new FileDeploymentManager(BROKER_XML.toAbsolutePath().toUri().toString());
        deployment.addDeployable(configuration);
        deployment.readConfiguration();
        return configuration;
    }

    /** What this JVM needs to differ from the compose broker; everything else stays as the file has it. */
    private static Configuration forThisTest(Configuration file) {
        TransportConfiguration acceptor = file.getAcceptorConfigurations().stream()
                .filter(candidate -> candidate.getName().equals("artemis")).findFirst().orElseThrow();
        acceptor.getParams().put("host", "localhost");
        acceptor.getParams().put("port", "0");
        String dir = brokerDir.toAbsolutePath().toString();
        file.setJournalDirectory(dir + "/journal")
                .setBindingsDirectory(dir + "/bindings")
                .setPagingDirectory(dir + "/paging")
                .setLargeMessagesDirectory(dir + "/large-messages")
                .setNodeManagerLockDirectory(dir)
                // Other test contexts' embedded brokers in this JVM register MBeans under the same broker name.
                .setJMXManagementEnabled(false);
        return file;
    }

    /** The defaults of config/application.yaml, from which the embedded broker is configured. */
    private static BrokerProperties defaults() throws Exception {
        return new Binder(ConfigurationPropertySources.from(new YamlPropertySourceLoader()
                .load("application.yaml", new FileSystemResource("config/application.yaml"))), null,
                ApplicationConversionService.getSharedInstance())
                .bind("bridge.broker", BrokerProperties.class).get();
    }

    /** Each address with its routing types and its queues' routing type, filter and durability. */
    private static Map<String, String> topology(Configuration configuration) {
        Map<String, String> addresses = new TreeMap<>();
        for (CoreAddressConfiguration address : configuration.getAddressConfigurations()) {
            addresses.put(address.getName(), new TreeSet<>(address.getRoutingTypes()) + " " + address.getQueueConfigs().stream()
                    .map(queue -> queue.getName() + " " + queue.getRoutingType() + " filter=" + queue.getFilterString()
                            + " durable=" + queue.isDurable())
                    .sorted().collect(Collectors.joining(", ", "[", "]")));
        }
        return addresses;
    }

    private static int port() {
        return Integer.parseInt(bridge.getEnvironment().getProperty("local.server.port"));
    }
}
