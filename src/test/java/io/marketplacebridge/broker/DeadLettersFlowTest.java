package io.marketplacebridge.broker;

import static io.marketplacebridge.Logins.basic;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.patchRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.marketplacebridge.BridgeTest;
import io.marketplacebridge.CanonicalEvents;
import jakarta.jms.ConnectionFactory;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.apache.activemq.artemis.core.server.ActiveMQServer;
import org.apache.activemq.artemis.core.server.ServerConsumer;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.core.server.plugin.ActiveMQServerConsumerPlugin;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ConfigurableApplicationContext;

/** dead-letters.camel.yaml: operators list, replay and discard dead letters, by API and from Hawtio (Jolokia). */
@ExtendWith(OutputCaptureExtension.class)
class DeadLettersFlowTest extends BridgeTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ADMIN = "operator:test-admin-password";

    @LocalServerPort
    int port;

    @Autowired
    @Qualifier("unbufferedConnectionFactory")
    ConnectionFactory connectionFactory;

    @Autowired
    ProducerTemplate producer;

    @Autowired
    EmbeddedActiveMQ broker;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void adminEndpointsRefuseAnonymousCallsAndWrongPasswords() throws Exception {
        HttpResponse<String> anonymous = send(HttpRequest.newBuilder(url("/api/admin/dead-letters")).GET(), null);
        HttpResponse<String> wrong = send(HttpRequest.newBuilder(url("/api/admin/dead-letters")).GET(), "operator:guess");
        HttpResponse<String> replay = send(HttpRequest.newBuilder(url("/api/admin/dead-letters/billing/replay"))
                .POST(HttpRequest.BodyPublishers.noBody()), null);
        HttpResponse<String> operator = send(HttpRequest.newBuilder(url("/api/admin/dead-letters")).GET(), ADMIN);

        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(replay.statusCode()).isEqualTo(401);
        assertThat(operator.statusCode()).isEqualTo(200);
        assertThat(operator.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
        assertThat(JSON.readTree(operator.body()).path("queues").findValuesAsText("queue"))
                .containsExactlyElementsOf(io.marketplacebridge.broker.BrokerTopology.consumedQueues())
                .contains("marketplace.inbound", "marketplace.commands", "marketplace.operations", "crm", "billing", "provisioning", "audit");
    }

    @Test
    void countsAndListsDeadLettersWithTheirReasons() throws Exception {
        String id = newSubscriptionId();
        billingAnswers(id, 503);
        int before = count("billing");

        CanonicalEvents.publish(producer, "renew:" + id, "Renewed", id);

        await().atMost(WAIT).until(() -> !deadLetters(connectionFactory, "billing", id).isEmpty());
        assertThat(count("billing")).isEqualTo(before + 1);
        JsonNode list = JSON.readTree(admin("GET", "/api/admin/dead-letters/billing?subscriptionId=" + id).body());
        assertThat(list.path("deadLetterQueue").asText()).isEqualTo("DLQ.billing");
        JsonNode letter = list.path("messages").get(0);
        assertThat(letter.path("messageId").asText()).startsWith("ID:");
        assertThat(letter.path("subscriptionId").asText()).isEqualTo(id);
        assertThat(letter.path("eventId").asText()).isEqualTo("renew:" + id);
        assertThat(letter.path("eventType").asText()).isEqualTo("Renewed");
        JsonNode reason = letter.path("reason");
        assertThat(reason.path("exception").asText()).isEqualTo(io.marketplacebridge.failure.Failure.class.getName());
        assertThat(reason.path("message").asText()).contains("HTTP 503");
        assertThat(reason.path("endpoint").asText()).contains("/billing");
        assertThat(reason.path("route").asText()).isEqualTo("deliver-billing");
        assertThat(reason.path("attempts").asText()).isEqualTo("3");
        assertThat(OffsetDateTime.parse(reason.path("firstFailedAt").asText()))
                .isBefore(OffsetDateTime.parse(reason.path("failedAt").asText()));
        assertThat(letter.path("body").path("eventId").asText()).isEqualTo("renew:" + id);
        assertThat(letter.path("body").path("subscription").path("id").asText()).isEqualTo(id);
    }

    @Test
    void countsAreTheBrokersOwnAndOpenNoDeadLetterQueue() throws Exception {
        String id = newSubscriptionId();
        deadLetteredRenewal(id, 422);
        ActiveMQServer server = broker.getActiveMQServer();
        List<String> opened = new CopyOnWriteArrayList<>();
        ActiveMQServerConsumerPlugin consumers = new ActiveMQServerConsumerPlugin() {
            @Override
            public void afterCreateConsumer(ServerConsumer consumer) {
                opened.add(consumer.getQueue().getName().toString());
            }
        };

        server.registerBrokerPlugin(consumers);
        JsonNode counts;
        try {
            counts = JSON.readTree(admin("GET", "/api/admin/dead-letters").body()).path("queues");
        } finally {
            server.unRegisterBrokerPlugin(consumers);
        }

        assertThat(opened).noneMatch(queue -> queue.startsWith(BrokerTopology.DEAD_LETTER_PREFIX));
        assertThat(counts).hasSize(BrokerTopology.consumedQueues().size()).allSatisfy(entry -> assertThat(entry.path("messages").asLong())
                .as(entry.toString()).isEqualTo(server.locateQueue(entry.path("deadLetterQueue").asText()).getMessageCount()));
        assertThat(count("billing")).isPositive();
    }

    @Test
    void replayAfterRecoveryDeliversOnceMoreToTheFailedSystemOnly() throws Exception {
        String id = newSubscriptionId();
        deadLetteredRenewal(id, 503);
        await().atMost(WAIT).until(() -> auditLines(id) == 1);
        int billingCalls = billingCalls(id);
        int provisioningCalls = PUBLISHER.findAll(postRequestedFor(urlPathEqualTo("/provisioning")).withRequestBody(containing(id))).size();
        int crmCalls = SALESFORCE.findAll(patchRequestedFor(urlPathMatching("/services/data/.*/" + id))).size();
        billingAnswers(id, 200);

        HttpResponse<String> replay = admin("POST", "/api/admin/dead-letters/billing/replay?subscriptionId=" + id);

        assertThat(replay.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(replay.body()).path("replayed").asInt()).isEqualTo(1);
        await().atMost(WAIT).until(() -> billingCalls(id) == billingCalls + 1);
        PUBLISHER.verify(billingCalls + 1, postRequestedFor(urlPathEqualTo("/billing"))
                .withHeader("Idempotency-Key", equalTo("renew:" + id)));
        await().during(Duration.ofSeconds(2)).atMost(WAIT).untilAsserted(() -> {
            assertThat(billingCalls(id)).isEqualTo(billingCalls + 1);
            assertThat(PUBLISHER.findAll(postRequestedFor(urlPathEqualTo("/provisioning")).withRequestBody(containing(id))))
                    .hasSize(provisioningCalls);
            assertThat(SALESFORCE.findAll(patchRequestedFor(urlPathMatching("/services/data/.*/" + id)))).hasSize(crmCalls);
            assertThat(auditLines(id)).isEqualTo(1);
            assertThat(deadLetters(connectionFactory, "billing", id)).isEmpty();
        });
    }

    @Test
    void replayByMessageIdTakesOnlyThatDeadLetter() throws Exception {
        String first = newSubscriptionId();
        String second = newSubscriptionId();
        billingAnswers(first, 422);
        billingAnswers(second, 422);
        CanonicalEvents.publish(producer, "renew:" + first, "Renewed", first);
        CanonicalEvents.publish(producer, "renew:" + second, "Renewed", second);
        await().atMost(WAIT).until(() -> !deadLetters(connectionFactory, "billing", first).isEmpty()
                && !deadLetters(connectionFactory, "billing", second).isEmpty());
        String messageId = deadLetters(connectionFactory, "billing", first).get(0).getJMSMessageID();
        billingAnswers(first, 200);
        billingAnswers(second, 200);

        HttpResponse<String> replay = admin("POST", "/api/admin/dead-letters/billing/replay",
                "{\"messageIds\":[\"" + messageId + "\"]}");

        assertThat(replay.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(replay.body()).path("messageIds").findValuesAsText("")).isEmpty();
        assertThat(JSON.readTree(replay.body()).path("messageIds").get(0).asText()).isEqualTo(messageId);
        await().atMost(WAIT).until(() -> billingCalls(first) == 2);
        assertThat(deadLetters(connectionFactory, "billing", first)).isEmpty();
        assertThat(deadLetters(connectionFactory, "billing", second)).hasSize(1);
        assertThat(billingCalls(second)).isEqualTo(1);
    }

    @Test
    void discardNeedsAReasonThenDeletesTheSelectedDeadLetters() throws Exception {
        String id = newSubscriptionId();
        deadLetteredRenewal(id, 422);

        HttpResponse<String> withoutReason = admin("DELETE", "/api/admin/dead-letters/billing?subscriptionId=" + id);
        HttpResponse<String> withReason = admin("DELETE", "/api/admin/dead-letters/billing?subscriptionId=" + id
                + "&reason=test%20subscription");

        assertThat(withoutReason.statusCode()).isEqualTo(400);
        assertThat(withoutReason.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(JSON.readTree(withoutReason.body()).path("detail").asText()).contains("reason");
        assertThat(withReason.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(withReason.body()).path("discarded").asInt()).isEqualTo(1);
        assertThat(deadLetters(connectionFactory, "billing", id)).isEmpty();
        assertThat(billingCalls(id)).isEqualTo(1);
    }

    /**
     * Runs on an application of its own: a whole-queue replay or discard in the shared one would take other tests'
     * dead letters too.
     */
    @Test
    void replayAndDiscardTakeNothingWithoutASelectionAndTheWholeQueueWithAllTrue(@TempDir Path dataDir) throws Exception {
        String first = newSubscriptionId();
        String second = newSubscriptionId();
        billingAnswers(first, 422);
        billingAnswers(second, 422);
        try (ConfigurableApplicationContext bridge = startApplication(dataDir, "dead-letters-all", Map.of())) {
            ConnectionFactory jms = bridge.getBean(ConnectionFactory.class);
            ProducerTemplate events = bridge.getBean(ProducerTemplate.class);
            CanonicalEvents.publish(events, "renew:" + first, "Renewed", first);
            CanonicalEvents.publish(events, "renew:" + second, "Renewed", second);
            await().atMost(WAIT).until(() -> deadLetters(jms, "billing", first).size() == 1 && deadLetters(jms, "billing", second).size() == 1);
            billingAnswers(first, 200);

            HttpResponse<String> unselectedReplay = admin(port(bridge), "POST", "/api/admin/dead-letters/billing/replay", null);
            HttpResponse<String> emptyBodyReplay = admin(port(bridge), "POST", "/api/admin/dead-letters/billing/replay", "{}");
            HttpResponse<String> unselectedDiscard = admin(port(bridge), "DELETE", "/api/admin/dead-letters/billing?reason=cleanup", null);

            for (HttpResponse<String> refused : List.of(unselectedReplay, emptyBodyReplay, unselectedDiscard)) {
                assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
                assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
                assertThat(JSON.readTree(refused.body()).path("detail").asText()).contains("all=true", "messageId", "subscriptionId");
            }
            assertThat(deadLetters(jms, "billing", first)).hasSize(1);
            assertThat(deadLetters(jms, "billing", second)).hasSize(1);
            assertThat(billingCalls(first)).isEqualTo(1);

            HttpResponse<String> replayAll = admin(port(bridge), "POST", "/api/admin/dead-letters/billing/replay?all=true", null);

            assertThat(replayAll.statusCode()).as(replayAll.body()).isEqualTo(200);
            assertThat(JSON.readTree(replayAll.body()).path("replayed").asInt()).isEqualTo(2);
            await().atMost(WAIT).until(() -> billingCalls(first) == 2 && billingCalls(second) == 2
                    && deadLetters(jms, "billing", second).size() == 1);
            assertThat(deadLetters(jms, "billing", first)).isEmpty();

            HttpResponse<String> discardAll = admin(port(bridge), "DELETE", "/api/admin/dead-letters/billing?reason=cleanup",
                    "{\"all\":true}");

            assertThat(discardAll.statusCode()).as(discardAll.body()).isEqualTo(200);
            assertThat(JSON.readTree(discardAll.body()).path("discarded").asInt()).isEqualTo(1);
            assertThat(deadLetters(jms, "billing", second)).isEmpty();
        }
    }

    @Test
    void subscriptionFilterThatIsNotAGuidIsABadRequestAndSelectsNothing(CapturedOutput output) throws Exception {
        String id = newSubscriptionId();
        deadLetteredRenewal(id, 422);
        String injection = URLEncoder.encode("x' OR '1'='1", StandardCharsets.UTF_8);

        List<HttpResponse<String>> answers = List.of(
                admin("GET", "/api/admin/dead-letters/billing?subscriptionId=" + URLEncoder.encode("'", StandardCharsets.UTF_8)),
                admin("GET", "/api/admin/dead-letters/billing?subscriptionId=" + injection),
                admin("POST", "/api/admin/dead-letters/billing/replay?subscriptionId=" + injection),
                admin("POST", "/api/admin/dead-letters/billing/replay", "{\"subscriptionId\":\"not-a-guid\"}"),
                admin("DELETE", "/api/admin/dead-letters/billing?reason=test&subscriptionId=not-a-guid"));

        assertThat(answers).allSatisfy(answer -> {
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(400);
            assertThat(answer.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(JSON.readTree(answer.body()).path("detail").asText()).contains("subscriptionId", "GUID");
            assertThat(answer.body()).doesNotContain(id);
        });
        assertThat(deadLetters(connectionFactory, "billing", id)).hasSize(1);
        assertThat(billingCalls(id)).isEqualTo(1);
        assertThat(output.getAll()).doesNotContain("dead-letters-list failed", "dead-letters-replay failed", "dead-letters-discard failed");
    }

    @Test
    void aLimitThatIsNotAWholeNumberIsABadRequest() throws Exception {
        for (String limit : List.of("x' OR '1'='1", "1.5", "99999999999999999999")) {
            HttpResponse<String> answer = admin("GET", "/api/admin/dead-letters/billing?limit=" + URLEncoder.encode(limit, StandardCharsets.UTF_8));

            assertThat(answer.statusCode()).as(limit + ": " + answer.body()).isEqualTo(400);
            assertThat(answer.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(JSON.readTree(answer.body()).path("detail").asText()).contains("limit");
        }
        assertThat(admin("GET", "/api/admin/dead-letters/billing?limit=5000").statusCode()).isEqualTo(200);
    }

    @Test
    void unknownQueueIsANotFoundProblem() throws Exception {
        HttpResponse<String> list = admin("GET", "/api/admin/dead-letters/ledger");
        HttpResponse<String> replay = admin("POST", "/api/admin/dead-letters/ledger/replay");

        assertThat(list.statusCode()).isEqualTo(404);
        assertThat(list.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(JSON.readTree(list.body()).path("detail").asText()).contains("ledger", "billing");
        assertThat(replay.statusCode()).isEqualTo(404);
    }

    @Test
    void hawtioRetryOfADeadLetterDeliversToTheOriginalQueueOnly() throws Exception {
        String id = newSubscriptionId();
        deadLetteredRenewal(id, 422);
        await().atMost(WAIT).until(() -> auditLines(id) == 1);
        int crmCalls = SALESFORCE.findAll(patchRequestedFor(urlPathMatching("/services/data/.*/" + id))).size();
        billingAnswers(id, 200);
        String queue = deadLetterQueueMBean("billing");
        JsonNode listed = jolokia("{\"type\":\"exec\",\"mbean\":" + JSON.writeValueAsString(queue)
                + ",\"operation\":\"listMessages(java.lang.String)\",\"arguments\":[\"bridgeSubscriptionId='" + id + "'\"]}");
        long messageId = listed.path("value").get(0).path("messageID").asLong();

        JsonNode retried = jolokia("{\"type\":\"exec\",\"mbean\":" + JSON.writeValueAsString(queue)
                + ",\"operation\":\"retryMessage(long)\",\"arguments\":[" + messageId + "]}");

        assertThat(retried.path("value").asBoolean()).isTrue();
        await().atMost(WAIT).until(() -> billingCalls(id) == 2);
        await().during(Duration.ofSeconds(2)).atMost(WAIT).untilAsserted(() -> {
            assertThat(billingCalls(id)).isEqualTo(2);
            assertThat(SALESFORCE.findAll(patchRequestedFor(urlPathMatching("/services/data/.*/" + id)))).hasSize(crmCalls);
            assertThat(auditLines(id)).isEqualTo(1);
            assertThat(deadLetters(connectionFactory, "billing", id)).isEmpty();
        });
    }

    @Test
    void hawtioAndJolokiaNeedTheAdminCredentialsAndShowTheBrokersQueues() throws Exception {
        HttpResponse<String> anonymous = send(HttpRequest.newBuilder(url("/actuator/hawtio/")).GET(), null);
        HttpResponse<String> console = send(HttpRequest.newBuilder(url("/actuator/hawtio/")).GET(), ADMIN);
        HttpResponse<String> anonymousJolokia = send(HttpRequest.newBuilder(url("/actuator/jolokia/version")).GET(), null);

        JsonNode count = jolokia("{\"type\":\"read\",\"mbean\":" + JSON.writeValueAsString(deadLetterQueueMBean("billing"))
                + ",\"attribute\":\"MessageCount\"}");

        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(console.statusCode()).isEqualTo(200);
        assertThat(console.body()).containsIgnoringCase("hawtio");
        assertThat(anonymousJolokia.statusCode()).isEqualTo(401);
        assertThat(count.path("status").asInt()).isEqualTo(200);
        assertThat(count.path("value").isNumber()).isTrue();
    }

    @Test
    void jolokiaRunsTheOperationsHawtioNeedsAndRefusesTheRestWith403() throws Exception {
        String queue = JSON.writeValueAsString(deadLetterQueueMBean("billing"));
        String brokerMBean = JSON.writeValueAsString("org.apache.activemq.artemis:broker=\""
                + broker.getActiveMQServer().getConfiguration().getName() + "\"");

        JsonNode counted = jolokia("{\"type\":\"exec\",\"mbean\":" + queue + ",\"operation\":\"countMessages()\"}");
        JsonNode listed = jolokia("{\"type\":\"exec\",\"mbean\":" + brokerMBean + ",\"operation\":\"listQueues(java.lang.String,int,int)\","
                + "\"arguments\":[\"\",1,100]}");
        JsonNode refused = jolokiaBulk("[" + String.join(",",
                "{\"type\":\"exec\",\"mbean\":\"java.lang:type=Memory\",\"operation\":\"gc\"}",
                "{\"type\":\"exec\",\"mbean\":\"com.sun.management:type=DiagnosticCommand\",\"operation\":\"vmSystemProperties([Ljava.lang.String;)\",\"arguments\":[[]]}",
                "{\"type\":\"exec\",\"mbean\":" + queue + ",\"operation\":\"removeMessages(java.lang.String)\",\"arguments\":[\"bridgeSubscriptionId='" + newSubscriptionId() + "'\"]}",
                "{\"type\":\"exec\",\"mbean\":" + brokerMBean + ",\"operation\":\"deleteAddress(java.lang.String)\",\"arguments\":[\"no-such-address\"]}",
                "{\"type\":\"exec\",\"mbean\":" + brokerMBean + ",\"operation\":\"destroyQueue(java.lang.String)\",\"arguments\":[\"no-such-queue\"]}",
                "{\"type\":\"write\",\"mbean\":\"java.lang:type=Memory\",\"attribute\":\"Verbose\",\"value\":true}") + "]");

        assertThat(counted.path("value").isNumber()).isTrue();
        assertThat(listed.path("value").asText()).contains("DLQ.billing");
        assertThat(refused).hasSize(6).allSatisfy(answer -> {
            assertThat(answer.path("status").asInt()).as(answer.toString()).isEqualTo(403);
            assertThat(answer.path("error").asText()).as(answer.toString()).contains("forbidden");
        });
    }

    private String deadLetterQueueMBean(String queue) {
        return "org.apache.activemq.artemis:broker=\"" + broker.getActiveMQServer().getConfiguration().getName()
                + "\",component=addresses,address=\"DLA\",subcomponent=queues,routing-type=\"multicast\",queue=\"DLQ." + queue + "\"";
    }

    private JsonNode jolokia(String request) throws Exception {
        HttpResponse<String> response = send(HttpRequest.newBuilder(url("/actuator/jolokia"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(request)), ADMIN);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode answer = JSON.readTree(response.body());
        assertThat(answer.path("status").asInt()).as(response.body()).isEqualTo(200);
        return answer;
    }

    private JsonNode jolokiaBulk(String requests) throws Exception {
        HttpResponse<String> response = send(HttpRequest.newBuilder(url("/actuator/jolokia"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(requests)), ADMIN);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    /** Billing answers {@code status} to this subscription's Renewed event, which waits in DLQ.billing when this returns. */
    private void deadLetteredRenewal(String subscriptionId, int status) {
        billingAnswers(subscriptionId, status);
        CanonicalEvents.publish(producer, "renew:" + subscriptionId, "Renewed", subscriptionId);
        await().atMost(WAIT).until(() -> !deadLetters(connectionFactory, "billing", subscriptionId).isEmpty());
    }

    private static void billingAnswers(String subscriptionId, int status) {
        PUBLISHER.stubFor(post(urlPathEqualTo("/billing")).withRequestBody(containing(subscriptionId)).atPriority(1)
                .willReturn(aResponse().withStatus(status)));
    }

    private static int billingCalls(String subscriptionId) {
        return PUBLISHER.findAll(postRequestedFor(urlPathEqualTo("/billing")).withRequestBody(containing(subscriptionId))).size();
    }

    private static long auditLines(String subscriptionId) throws Exception {
        Path directory = BROKER_DIR.resolve("audit");
        if (!Files.isDirectory(directory)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(directory)) {
            long lines = 0;
            for (Path file : files.toList()) {
                try (Stream<String> content = Files.lines(file)) {
                    lines += content.filter(line -> line.contains(subscriptionId)).count();
                }
            }
            return lines;
        }
    }

    private int count(String queue) throws Exception {
        JsonNode counts = JSON.readTree(admin("GET", "/api/admin/dead-letters").body()).path("queues");
        for (JsonNode entry : counts) {
            if (entry.path("queue").asText().equals(queue)) {
                return entry.path("messages").asInt();
            }
        }
        throw new IllegalStateException("no count for " + queue);
    }

    private HttpResponse<String> admin(String method, String path) throws Exception {
        return admin(method, path, null);
    }

    private HttpResponse<String> admin(String method, String path, String json) throws Exception {
        return admin(port, method, path, json);
    }

    private static HttpResponse<String> admin(int port, String method, String path, String json) throws Exception {
        return call(port, method, path, ADMIN, json);
    }

    private HttpResponse<String> send(HttpRequest.Builder request, String credentials) throws Exception {
        if (credentials != null) {
            request.header("Authorization", basic(credentials));
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI url(String path) {
        return URI.create("http://localhost:" + port + path);
    }
}
