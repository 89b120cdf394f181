package io.marketplacebridge.reconciliation;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.patch;
import static com.github.tomakehurst.wiremock.client.WireMock.patchRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import io.marketplacebridge.BridgeTest;
import io.marketplacebridge.broker.TestBrokers;
import io.marketplacebridge.webhook.MicrosoftWebhook;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.AdviceWith;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jms.core.JmsTemplate;

/**
 * reconciliation.camel.yaml: what a webhook that never came, or a buyer who never landed, left out is repaired by a
 * run, scheduled or asked for, with one event per system; a run's outstanding operations are answered; two
 * instances reconcile once; a run that fails half-way and runs again publishes nothing twice.
 */
class ReconciliationFlowTest extends BridgeTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String OPERATOR = "operator:test-admin-password";
    private static final List<String> HTTP_SYSTEMS = List.of("/provisioning", "/billing");
    private static final String CRM_RECORDS = "/services/data/v62.0/sobjects/Marketplace_Subscription__c/Subscription_Id__c/";

    @LocalServerPort
    int port;

    @Autowired
    MeterRegistry meters;

    @Autowired
    @Qualifier("unbufferedConnectionFactory")
    ConnectionFactory connectionFactory;

    @Autowired
    io.marketplacebridge.registry.SubscriptionRegistry registry;

    @Autowired
    io.marketplacebridge.event.SubscriptionEventMapper events;

    @TempDir
    Path dataDir;

    /** No subscription has outstanding operations unless a test says so; Microsoft lists none until a test does. */
    @BeforeEach
    void microsoftListsNothing() {
        MICROSOFT.stubFor(get(urlPathMatching("/api/saas/subscriptions/[^/]+/operations")).atPriority(8)
                .willReturn(json(200, "{\"operations\":[]}")));
        listed();
    }

    @Test
    void aLostPlanChangeIsRepairedByAnOnDemandRunWithOneSnapshotForEachSystem() throws Exception {
        String id = newSubscriptionId();
        landed(port, id);
        listed(subscriptionJson(id, "Subscribed", "pro", 10, "tenant-a", "tenant-a"));

        HttpResponse<String> accepted = call(port, "POST", "/api/admin/reconcile", OPERATOR, null);

        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        String runId = JSON.readTree(accepted.body()).path("runId").asText();
        assertThat(accepted.headers().firstValue("Location")).hasValue("/api/admin/reconcile/" + runId);
        JsonNode run = finished(port, runId);
        assertThat(run.path("status").asText()).isEqualTo("Completed");
        assertThat(run.path("requestedBy").asText()).isEqualTo("operator");
        assertThat(run.path("subscriptionsSeen").asInt()).isEqualTo(1);
        assertThat(run.path("driftFound").asInt()).isEqualTo(1);
        JsonNode changes = run.path("drift").get(0).path("changes");
        assertThat(changes.path("planId").path("published").asText()).isEqualTo("basic");
        assertThat(changes.path("planId").path("microsoft").asText()).isEqualTo("pro");
        assertThat(changes.has("quantity")).isFalse();
        String snapshot = "snapshot:" + runId + ":" + id;
        everySystemGetsOnce(snapshot, id);
        PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo("/provisioning")).withHeader("Idempotency-Key", equalTo(snapshot))
                .withRequestBody(matchingJsonPath("$.type", equalTo("Snapshot")))
                .withRequestBody(matchingJsonPath("$.source", equalTo("reconciliation")))
                .withRequestBody(matchingJsonPath("$.subscription.planId", equalTo("pro"))));

        JsonNode again = finished(port, reconcile(port));

        assertThat(again.path("driftFound").asInt()).isZero();
        assertThat(snapshotsAtProvisioning(id)).hasSize(1);
    }

    @Test
    void aLostPlanChangeIsRepairedByAScheduledRun() throws Exception {
        try (ConfigurableApplicationContext bridge = startApplication(dataDir, "reconcile-scheduled",
                Map.of("bridge.reconcile.interval", "1s"))) {
            String id = newSubscriptionId();
            landed(port(bridge), id);

            listed(subscriptionJson(id, "Subscribed", "basic", 25, "tenant-a", "tenant-a"));

            await().atMost(WAIT).untilAsserted(() -> assertThat(snapshotsAtProvisioning(id)).hasSize(1));
            String snapshot = snapshotsAtProvisioning(id).get(0);
            everySystemGetsOnce(snapshot, id);
            String runId = snapshot.split(":")[1];
            JsonNode run = finished(port(bridge), runId);
            assertThat(run.path("requestedBy").asText()).isEqualTo("schedule");
            assertThat(run.path("drift").get(0).path("changes").path("quantity").path("microsoft").asInt()).isEqualTo(25);
            // Later runs find the subscription as it was published.
            await().atMost(WAIT).until(() -> !runId.equals(health(port(bridge)).path("lastRun").path("runId").asText()));
            assertThat(snapshotsAtProvisioning(id)).hasSize(1);
        }
    }

    @Test
    void aPurchaseLandedWhileTheRunWentThroughItsPageIsNotTakenBackToPending() throws Exception {
        String id = newSubscriptionId();
        MICROSOFT.stubFor(get(urlPathEqualTo("/api/saas/subscriptions")).atPriority(1).willReturn(json(200,
                "{\"subscriptions\":[" + pending(id, Instant.now()) + "],\"@nextLink\":\"\"}").withFixedDelay(5000)));

        String runId = reconcile(port);
        await().atMost(WAIT).untilAsserted(() -> MICROSOFT.verify(getRequestedFor(urlPathEqualTo("/api/saas/subscriptions"))));
        landed(port, id);
        JsonNode run = finished(port, runId);

        assertThat(run.path("status").asText()).isEqualTo("Completed");
        assertThat(run.path("driftFound").asInt()).as("drift: " + run.path("drift")).isZero();
        assertThat(run.path("purchasesFound").asInt()).isZero();
        assertThat(snapshotsAtProvisioning(id)).isEmpty();
        JsonNode timeline = JSON.readTree(call(port, "GET", "/api/subscriptions/" + id + "/events", OPERATOR, null).body());
        assertThat(timeline.path("events").findValuesAsText("type")).as(timeline.toString())
                .containsExactly("Purchased", "Activated");
    }

    @Test
    void aUsageHourReportedWithTheStateBeforeARepairDoesNotTakeTheRepairBack() throws Exception {
        String id = newSubscriptionId();
        landed(port, id);
        Map<String, Object> before = JSON.readValue(subscriptionJson(id, "Subscribed", "basic", 10, "tenant-a", "tenant-a"),
                new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() { });
        listed(subscriptionJson(id, "Subscribed", "basic", 25, "tenant-a", "tenant-a"));
        assertThat(finished(port, reconcile(port)).path("driftFound").asInt()).isOne();

        // The metering report read the published state before the repair and records its hour after it.
        registry.recordPublished(events.usageReported(before, Map.of("subscriptionId", id, "planId", "basic",
                "dimension", "api-calls", "hourStart", "2026-12-01T10:00:00Z", "quantity", 3), "usage-after-repair"));
        JsonNode later = finished(port, reconcile(port));

        assertThat(later.path("driftFound").asInt()).as("drift: " + later.path("drift")).isZero();
        assertThat(snapshotsAtProvisioning(id)).hasSize(1);
    }

    @Test
    void aPurchaseNobodyLandedReachesProvisioningAndIsActivatedAndAnOverduePurchaseIsAWarning() throws Exception {
        String id = newSubscriptionId();
        String old = newSubscriptionId();
        stubPendingThenSubscribedAfterActivation(id);
        stubPendingThenSubscribedAfterActivation(old);
        listed(pending(id, Instant.now().minus(2, ChronoUnit.HOURS)), pending(old, Instant.now().minus(4, ChronoUnit.DAYS)));

        JsonNode run = finished(port, reconcile(port));

        assertThat(run.path("purchasesFound").asInt()).isEqualTo(2);
        assertThat(run.path("pendingPurchases").findValuesAsText("subscriptionId")).containsExactlyInAnyOrder(id, old);
        assertThat(run.path("pendingWarnings").asInt()).isEqualTo(1);
        JsonNode overdue = health(port).path("overduePurchases");
        assertThat(overdue.findValuesAsText("subscriptionId")).containsExactly(old);
        assertThat(overdue.get(0).path("age").asText()).startsWith("PT9");
        assertThat(meters.get("bridge.reconciliation.pending.overdue").gauge().value()).isEqualTo(1.0);
        await().atMost(WAIT).untilAsserted(() -> PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo("/provisioning"))
                .withHeader("Idempotency-Key", equalTo("purchase:" + id))
                .withRequestBody(matchingJsonPath("$.type", equalTo("Purchased")))
                .withRequestBody(matchingJsonPath("$.source", equalTo("reconciliation")))));
        // Provisioning took it: the activation flow activates it as for a buyer who landed.
        await().atMost(WAIT).untilAsserted(() -> PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo("/provisioning"))
                .withHeader("Idempotency-Key", equalTo("activated:" + id))));
        MICROSOFT.verify(1, postRequestedFor(urlPathEqualTo("/api/saas/subscriptions/" + id + "/activate")));

        MICROSOFT.stubFor(resolve("token-" + id).willReturn(json(200, resolved(id))));
        HttpResponse<String> landing = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + port + "/landing?token=token-" + id)).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(landing.statusCode()).isEqualTo(200);
        await().during(Duration.ofSeconds(2)).atMost(WAIT).untilAsserted(() -> PUBLISHER.verify(1,
                postRequestedFor(urlPathEqualTo("/provisioning")).withHeader("Idempotency-Key", equalTo("purchase:" + id))));
    }

    @Test
    void everyPageIsReadFollowingNextLinkToTheLastOne() throws Exception {
        String first = newSubscriptionId();
        String second = newSubscriptionId();
        String token = UUID.randomUUID().toString();
        MICROSOFT.stubFor(get(urlPathEqualTo("/api/saas/subscriptions")).atPriority(1).willReturn(json(200,
                "{\"subscriptions\":[" + subscriptionJson(first, "Subscribed", "basic", 5, "tenant-a", "tenant-a") + "],"
                        + "\"@nextLink\":\"" + MICROSOFT.baseUrl() + "/api/saas/subscriptions/?continuationToken=" + token
                        + "&api-version=2018-08-31\"}")));
        MICROSOFT.stubFor(get(urlPathEqualTo("/api/saas/subscriptions/")).withQueryParam("continuationToken", equalTo(token))
                .willReturn(json(200, "{\"subscriptions\":[" + subscriptionJson(second, "Suspended", "pro", 7, "tenant-b", "tenant-b")
                        + "]}")));

        JsonNode run = finished(port, reconcile(port));

        assertThat(run.path("status").asText()).isEqualTo("Completed");
        assertThat(run.path("subscriptionsSeen").asInt()).isEqualTo(2);
        assertThat(run.path("drift").findValuesAsText("subscriptionId")).containsExactly(first, second);
        everySystemGetsOnce("snapshot:" + run.path("runId").asText() + ":" + second, second);
        PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo("/billing"))
                .withRequestBody(matchingJsonPath("$.subscription.id", equalTo(second)))
                .withRequestBody(matchingJsonPath("$.subscription.saasSubscriptionStatus", equalTo("Suspended"))));
        MICROSOFT.verify(1, getRequestedFor(urlPathEqualTo("/api/saas/subscriptions/")).withQueryParam("continuationToken", equalTo(token))
                .withQueryParam("api-version", equalTo("2018-08-31")));
        MICROSOFT.verify(1, getRequestedFor(urlPathEqualTo("/api/saas/subscriptions/" + first + "/operations")));
        MICROSOFT.verify(1, getRequestedFor(urlPathEqualTo("/api/saas/subscriptions/" + second + "/operations")));
    }

    @Test
    void aReinstateLeftWaitingIsAcknowledgedAndAStuckChangeIsReported() throws Exception {
        String id = newSubscriptionId();
        String suspend = UUID.randomUUID().toString();
        String reinstate = UUID.randomUUID().toString();
        String changing = newSubscriptionId();
        String change = UUID.randomUUID().toString();
        suspendedThenReinstatedOnAcknowledgement(id, reinstate);
        stubOperation(id, suspend, "Suspend", "Succeeded", Instant.now());
        MicrosoftWebhook.call(port, MicrosoftWebhook.notification(suspend, id, "Suspend", null, null));
        await().atMost(WAIT).untilAsserted(() -> PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo("/provisioning"))
                .withHeader("Idempotency-Key", equalTo(suspend))));
        outstanding(id, operationJson(id, reinstate, "Reinstate", "InProgress", Instant.now().minusSeconds(3600)));
        outstanding(changing, operationJson(changing, change, "ChangeQuantity", "InProgress", Instant.now().minusSeconds(60)));
        listed(subscriptionJson(id, "Suspended", "basic", 10, "tenant-a", "tenant-a"),
                subscriptionJson(changing, "Subscribed", "basic", 10, "tenant-a", "tenant-a"));

        JsonNode run = finished(port, reconcile(port));

        assertThat(run.path("operations").path("acknowledged").findValuesAsText("operationId")).containsExactly(reinstate);
        assertThat(run.path("operations").path("reported").findValuesAsText("operationId")).containsExactly(change);
        assertThat(run.path("operations").path("reported").get(0).path("ageSeconds").asLong()).isGreaterThanOrEqualTo(60);
        MICROSOFT.verify(1, patchRequestedFor(urlPathEqualTo(operationPath(id, reinstate))).withRequestBody(equalToJson("{\"status\":\"Success\"}")));
        MICROSOFT.verify(0, patchRequestedFor(urlPathEqualTo(operationPath(changing, change))));
        await().atMost(WAIT).untilAsserted(() -> PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo("/provisioning"))
                .withHeader("Idempotency-Key", equalTo(reinstate))
                .withRequestBody(matchingJsonPath("$.type", equalTo("Reinstated")))
                .withRequestBody(matchingJsonPath("$.source", equalTo("reconciliation")))
                .withRequestBody(matchingJsonPath("$.subscription.saasSubscriptionStatus", equalTo("Subscribed")))));
        // The suspended subscription was as published: no Snapshot of it.
        assertThat(snapshotsAtProvisioning(id)).isEmpty();

        // Microsoft's webhook for the Reinstate comes after all (a retry, a replayed dead letter): nothing new.
        stubOperation(id, reinstate, "Reinstate", "Succeeded", Instant.now());
        MicrosoftWebhook.call(port, MicrosoftWebhook.notification(reinstate, id, "Reinstate", null, null));

        await().atMost(WAIT).untilAsserted(() -> MICROSOFT.verify(1, getRequestedFor(urlPathEqualTo(operationPath(id, reinstate)))));
        await().during(Duration.ofSeconds(2)).atMost(WAIT).untilAsserted(() -> PUBLISHER.verify(1,
                postRequestedFor(urlPathEqualTo("/provisioning")).withHeader("Idempotency-Key", equalTo(reinstate))));
        assertThat(deadLetters(connectionFactory, "marketplace.inbound", id)).isEmpty();
        MICROSOFT.verify(1, patchRequestedFor(urlPathEqualTo(operationPath(id, reinstate))));
    }

    @Test
    void aRunThatFailsHalfWayRunsAgainAndPublishesNoSecondEvent() throws Exception {
        try (ConfigurableApplicationContext bridge = startApplication(dataDir, "reconcile-interrupted", Map.of())) {
            AtomicBoolean failedOnce = new AtomicBoolean();
            // The Snapshot is on the broker, but the registry never hears of it: the run dies between the two.
            AdviceWith.adviceWith(bridge.getBean(CamelContext.class), "events-publish", route -> route
                    .weaveById("events-publish-record").before()
                    .process(exchange -> {
                        if ("Snapshot".equals(exchange.getIn().getHeader("bridgeEventType"))
                                && failedOnce.compareAndSet(false, true)) {
                            throw new IllegalStateException("the store went away");
                        }
                    }));
            String id = newSubscriptionId();
            String other = newSubscriptionId();
            listed(subscriptionJson(id, "Subscribed", "pro", 3, "tenant-a", "tenant-a"),
                    subscriptionJson(other, "Suspended", "basic", 4, "tenant-a", "tenant-a"));

            JsonNode run = finished(port(bridge), reconcile(port(bridge)));

            assertThat(failedOnce).isTrue();
            assertThat(run.path("status").asText()).isEqualTo("Completed");
            assertThat(run.path("attempts").asInt()).isEqualTo(2);
            assertThat(run.path("errors").findValuesAsText("message")).anySatisfy(message -> assertThat(message).contains("the store went away"));
            assertThat(run.path("drift").findValuesAsText("subscriptionId")).containsExactlyInAnyOrder(id, other);
            String runId = run.path("runId").asText();
            everySystemGetsOnce("snapshot:" + runId + ":" + id, id);
            everySystemGetsOnce("snapshot:" + runId + ":" + other, other);
        }
    }

    @Test
    void twoInstancesOnOneBrokerAndOneStoreReconcileOnce() throws Exception {
        EmbeddedActiveMQ broker = TestBrokers.startTcp(dataDir.resolve("broker"));
        Map<String, String> shared = new LinkedHashMap<>(POSTGRES_URL == null || POSTGRES_URL.isBlank()
                ? Map.of("bridge.store.url", "jdbc:h2:file:" + dataDir.resolve("store").resolve("shared").toAbsolutePath()
                        + ";AUTO_SERVER=TRUE;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH",
                        "bridge.store.username", "bridge")
                : postgresStore("reconcile_" + UUID.randomUUID().toString().replace("-", "")));
        shared.put("bridge.broker.url", TestBrokers.url(broker));
        // Slow enough for the two runs to meet.
        shared.put("bridge.reconcile.pace", "300ms");
        try (ConfigurableApplicationContext first = startApplication(dataDir.resolve("first"), "reconcile-first", shared);
                ConfigurableApplicationContext second = startApplication(dataDir.resolve("second"), "reconcile-second", shared)) {
            String id = newSubscriptionId();
            String unknown = newSubscriptionId();
            String another = newSubscriptionId();
            landed(port(first), id);
            listed(subscriptionJson(id, "Subscribed", "pro", 10, "tenant-a", "tenant-a"),
                    subscriptionJson(unknown, "Subscribed", "basic", 2, "tenant-b", "tenant-b"),
                    subscriptionJson(another, "Subscribed", "basic", 3, "tenant-c", "tenant-c"));

            String one = reconcile(port(first));
            String two = reconcile(port(second));
            JsonNode runOne = finished(port(second), one);
            JsonNode runTwo = finished(port(first), two);

            List<JsonNode> ran = List.of(runOne, runTwo).stream().filter(run -> !"Skipped".equals(run.path("status").asText())).toList();
            for (JsonNode run : ran) {
                assertThat(run.path("status").asText()).isEqualTo("Completed");
            }
            if (ran.size() == 2) {
                assertThat(Instant.parse(runOne.path("finishedAt").asText()).isAfter(Instant.parse(runTwo.path("startedAt").asText()))
                        && Instant.parse(runTwo.path("finishedAt").asText()).isAfter(Instant.parse(runOne.path("startedAt").asText())))
                        .as("the runs overlapped: %s %s", runOne, runTwo).isFalse();
            } else {
                JsonNode skipped = "Skipped".equals(runOne.path("status").asText()) ? runOne : runTwo;
                assertThat(skipped.path("detail").asText()).contains("holds the lease");
            }
            assertThat(runOne.path("driftFound").asInt() + runTwo.path("driftFound").asInt()).isEqualTo(3);
            for (String subscription : List.of(id, unknown, another)) {
                await().atMost(WAIT).untilAsserted(() -> assertThat(snapshotsAtProvisioning(subscription)).hasSize(1));
            }
            await().during(Duration.ofSeconds(2)).atMost(WAIT).untilAsserted(() -> {
                for (String subscription : List.of(id, unknown, another)) {
                    assertThat(snapshotsAtProvisioning(subscription)).hasSize(1);
                    assertThat(PUBLISHER.findAll(postRequestedFor(urlPathEqualTo("/billing"))
                            .withRequestBody(matchingJsonPath("$.type", equalTo("Snapshot")))
                            .withRequestBody(matchingJsonPath("$.subscription.id", equalTo(subscription))))).hasSize(1);
                }
            });
        } finally {
            broker.stop();
        }
    }

    @Test
    void aRunMicrosoftRefusesIsDeadLetteredAsFailedWithTheReasonAndTheNextRunGoesAhead() throws Exception {
        MICROSOFT.stubFor(get(urlPathEqualTo("/api/saas/subscriptions")).atPriority(1)
                .willReturn(json(400, "{\"error\":\"BadArgument\"}")));

        JsonNode run = finished(port, reconcile(port));

        assertThat(run.path("status").asText()).isEqualTo("Failed");
        assertThat(run.path("detail").asText()).contains("list-subscriptions", "400");
        assertThat(deadLetterRuns()).contains(run.path("runId").asText());
        listed();
        assertThat(finished(port, reconcile(port)).path("status").asText()).isEqualTo("Completed");
    }

    @Test
    void anUnknownRunIs404AndOnlyTheOperatorMayReconcile() throws Exception {
        assertThat(call(port, "GET", "/api/admin/reconcile/" + UUID.randomUUID(), OPERATOR, null).statusCode()).isEqualTo(404);
        assertThat(call(port, "GET", "/api/admin/reconcile/not-a-run", OPERATOR, null).statusCode()).isEqualTo(400);
        assertThat(call(port, "POST", "/api/admin/reconcile", "integration:test-integration-password", null).statusCode()).isEqualTo(403);
        assertThat(call(port, "POST", "/api/admin/reconcile", null, null).statusCode()).isEqualTo(401);
    }

    private List<String> deadLetterRuns() {
        return new JmsTemplate(connectionFactory).browse("DLA::DLQ.marketplace.reconcile", (session, browser) ->
                Collections.list(browser.getEnumeration()).stream().map(message -> {
                    try {
                        return ((Message) message).getStringProperty("bridgeRunId");
                    } catch (JMSException e) {
                        throw new IllegalStateException(e);
                    }
                }).toList());
    }

    /** Microsoft lists these subscriptions, on one page. */
    private static void listed(String... subscriptions) {
        MICROSOFT.stubFor(get(urlPathEqualTo("/api/saas/subscriptions")).atPriority(1)
                .willReturn(json(200, "{\"subscriptions\":[" + String.join(",", subscriptions) + "],\"@nextLink\":\"\"}")));
    }

    /** A buyer landed and the purchase ({@code basic} × 10) was activated and published to every system. */
    private static void landed(int port, String id) throws Exception {
        assertThat(purchase(port, id).statusCode()).isEqualTo(200);
        await().atMost(WAIT).untilAsserted(() -> PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo("/billing"))
                .withHeader("Idempotency-Key", equalTo("activated:" + id))));
    }

    private static String pending(String id, Instant created) {
        return subscriptionJson(id, "PendingFulfillmentStart", "basic", 10, "tenant-a", "tenant-a")
                .replace("\"futureField\"", "\"created\":\"" + created + "\",\"futureField\"");
    }

    /** Suspended at Microsoft until the Reinstate operation is acknowledged, then Subscribed. */
    private static void suspendedThenReinstatedOnAcknowledgement(String id, String reinstate) {
        String scenario = "reinstate-" + id;
        MICROSOFT.stubFor(get(urlPathEqualTo("/api/saas/subscriptions/" + id)).inScenario(scenario)
                .whenScenarioStateIs(Scenario.STARTED)
                .willReturn(json(200, subscriptionJson(id, "Suspended", "basic", 10, "tenant-a", "tenant-a"))));
        MICROSOFT.stubFor(patch(urlPathEqualTo(operationPath(id, reinstate))).inScenario(scenario)
                .willReturn(aResponse().withStatus(200)).willSetStateTo("reinstated"));
        MICROSOFT.stubFor(get(urlPathEqualTo("/api/saas/subscriptions/" + id)).inScenario(scenario)
                .whenScenarioStateIs("reinstated")
                .willReturn(json(200, subscriptionJson(id, "Subscribed", "basic", 10, "tenant-a", "tenant-a"))));
    }

    private static void stubOperation(String id, String operation, String action, String status, Instant at) {
        MICROSOFT.stubFor(get(urlPathEqualTo(operationPath(id, operation)))
                .willReturn(json(200, operationJson(id, operation, action, status, at))));
    }

    private static void outstanding(String id, String... operations) {
        MICROSOFT.stubFor(get(urlPathEqualTo("/api/saas/subscriptions/" + id + "/operations"))
                .willReturn(json(200, "{\"operations\":[" + String.join(",", operations) + "]}")));
    }

    private static String operationJson(String id, String operation, String action, String status, Instant at) {
        return """
                {"id":"%s","activityId":"a-1","subscriptionId":"%s","offerId":"bridge-offer","publisherId":"contoso",
                 "planId":"basic","quantity":10,"action":"%s","timeStamp":"%s","status":"%s","errorStatusCode":"","errorMessage":""}
                """.formatted(operation, id, action, at, status);
    }

    private static String operationPath(String id, String operation) {
        return "/api/saas/subscriptions/" + id + "/operations/" + operation;
    }

    private static String reconcile(int port) throws Exception {
        HttpResponse<String> accepted = call(port, "POST", "/api/admin/reconcile", OPERATOR, null);
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        return JSON.readTree(accepted.body()).path("runId").asText();
    }

    /** The run once it ended. */
    private static JsonNode finished(int port, String runId) {
        return await().atMost(WAIT).until(() -> JSON.readTree(call(port, "GET", "/api/admin/reconcile/" + runId, OPERATOR, null).body()),
                run -> List.of("Completed", "Incomplete", "Failed", "Skipped").contains(run.path("status").asText()));
    }

    private static JsonNode health(int port) throws Exception {
        return JSON.readTree(call(port, "GET", "/actuator/health", OPERATOR, null).body()).path("components")
                .path("reconciliation").path("details");
    }

    /** The idempotency keys of the Snapshots provisioning received for the subscription. */
    private static List<String> snapshotsAtProvisioning(String id) {
        return PUBLISHER.findAll(postRequestedFor(urlPathEqualTo("/provisioning"))
                        .withRequestBody(matchingJsonPath("$.type", equalTo("Snapshot")))
                        .withRequestBody(matchingJsonPath("$.subscription.id", equalTo(id))))
                .stream().map(request -> request.getHeader("Idempotency-Key")).toList();
    }

    /** Provisioning and billing got the event once, and the CRM record was written with it once. */
    private static void everySystemGetsOnce(String eventId, String subscriptionId) {
        await().during(Duration.ofSeconds(1)).atMost(WAIT).untilAsserted(() -> {
            for (String system : HTTP_SYSTEMS) {
                PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo(system)).withHeader("Idempotency-Key", equalTo(eventId)));
            }
            SALESFORCE.verify(1, patchRequestedFor(urlPathEqualTo(CRM_RECORDS + subscriptionId))
                    .withRequestBody(matchingJsonPath("$.Last_Event_Id__c", equalTo(eventId))));
        });
    }
}
