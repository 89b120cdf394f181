package io.marketplacebridge.sandbox;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static io.marketplacebridge.sandbox.TestSimulator.JSON;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import com.nimbusds.jwt.SignedJWT;
import io.marketplacebridge.webhook.WebhookJwtVerifier;
import io.marketplacebridge.webhook.WebhookNotifications;
import io.marketplacebridge.webhook.WebhookProperties;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/**
 * The standalone simulator's load API (docs/simulator.md) over HTTP: the prepared lines are what Microsoft would
 * send, signed so that the bridge's own token check takes them; the report counts what reached the simulated
 * marketplace and systems; the simulator sends a load itself and retries as its policy says. A WireMock server
 * stands in for the bridge.
 */
class SimulatedLoadTest {

    private static final Duration API_LATENCY = Duration.ofMillis(100);
    private static final Duration DOWNSTREAM_LATENCY = Duration.ofMillis(60);
    private static final WireMockServer BRIDGE = new WireMockServer(options().dynamicPort());
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };

    private static TestSimulator simulator;
    private static WebhookJwtVerifier verifier;

    @BeforeAll
    static void startTheSimulator() {
        BRIDGE.start();
        simulator = TestSimulator.start("bridge.simulator.bridge-url=" + BRIDGE.baseUrl(),
                "bridge.simulator.api-latency=" + API_LATENCY.toMillis() + "ms",
                "bridge.simulator.downstream-latency=" + DOWNSTREAM_LATENCY.toMillis() + "ms",
                "bridge.simulator.webhook.attempts=3", "bridge.simulator.webhook.first-backoff=100ms",
                "bridge.simulator.webhook.max-backoff=200ms", "bridge.simulator.webhook.timeout=2s");
        // The bridge's token check, configured as config/application-simulated.yaml configures it.
        verifier = new WebhookJwtVerifier(new WebhookProperties(WebhookProperties.Validation.JWT,
                "5a1d0b0c-5a1d-4b0c-8a1d-5a1d0b0c0001", "5a1d0b0c-5a1d-4b0c-8a1d-5a1d0b0c0000",
                URI.create(simulator.base + "/sandbox/marketplace/jwks"), DataSize.ofKilobytes(64), null));
    }

    @AfterAll
    static void stopTheSimulator() {
        simulator.close();
        BRIDGE.stop();
    }

    @BeforeEach
    void freshLoad() throws Exception {
        assertThat(simulator.send("POST", "/sandbox/load/reset", null).statusCode()).isEqualTo(204);
        BRIDGE.resetAll();
    }

    @Test
    void preparesOneLinePerNotificationSignedForTheBridgeAndConfirmedByGetOperation() throws Exception {
        Instant before = Instant.now();

        HttpResponse<String> prepared = simulator.send("POST", "/sandbox/load/prepare", """
                {"subscriptions":4,"notifications":40,"tokenLifetime":"PT2H","seed":3,
                 "mix":{"Renew":0.4,"ChangeQuantity":0.25,"ChangePlan":0.15,"Suspend":0.1,"Reinstate":0.1}}""");

        assertThat(prepared.statusCode()).isEqualTo(200);
        assertThat(prepared.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("text/plain"));
        List<String[]> lines = lines(prepared.body());
        assertThat(lines).hasSize(40).allSatisfy(line -> assertThat(line).hasSize(3));
        WebhookNotifications notifications = new WebhookNotifications(new WebhookProperties(WebhookProperties.Validation.JWT,
                null, null, null, DataSize.ofKilobytes(64), null), JSON);
        Map<String, Integer> actions = new LinkedHashMap<>();
        for (String[] line : lines) {
            Map<String, Object> body = JSON.readValue(line[2], MAP);
            assertThat(body.get("id")).isEqualTo(line[0]);
            assertThat(notifications.read(line[2])).containsEntry("id", line[0]);
            assertThatCode(() -> verifier.verify("Bearer " + line[1])).doesNotThrowAnyException();
            assertThat(SignedJWT.parse(line[1]).getJWTClaimsSet().getExpirationTime().toInstant())
                    .isBetween(before.plus(Duration.ofHours(2)).minusSeconds(5), Instant.now().plus(Duration.ofHours(2)));
            HttpResponse<String> operation = simulator.fulfillmentApi("GET", body.get("subscriptionId") + "/operations/" + line[0], null);
            assertThat(operation.statusCode()).isEqualTo(200);
            Map<String, Object> confirmed = JSON.readValue(operation.body(), MAP);
            assertThat(notifications.contradictions(body, confirmed)).as(line[2]).isEmpty();
            assertThat(confirmed.get("status")).isEqualTo(body.get("status"))
                    .isEqualTo(List.of("Suspend", "Renew").contains(body.get("action")) ? "Succeeded" : "InProgress");
            actions.merge((String) body.get("action"), 1, Integer::sum);
        }
        assertThat(actions).isEqualTo(Map.of("Renew", 16, "ChangeQuantity", 10, "ChangePlan", 6, "Suspend", 4, "Reinstate", 4));
        JsonNode report = simulator.report();
        assertThat(report.at("/notifications/count").asInt()).isEqualTo(40);
        assertThat(report.at("/notifications/actions/Reinstate").asInt()).isEqualTo(4);
        assertThat(report.get("acknowledgements")).hasSize(20);
        assertThat(report.at("/webhooks/sent").asInt()).isZero();
        assertThat(BRIDGE.getAllServeEvents()).isEmpty();
        assertThat(simulator.send("POST", "/sandbox/load/prepare", "{\"notifications\":2}").statusCode()).isEqualTo(409);
    }

    @Test
    void badInputIsAProblemAndChangesNothing() throws Exception {
        List<String> bad = List.of("{\"subscriptions\":0}", "{\"notifications\":200001}", "{\"mix\":{\"Reinstate\":1}}",
                "{\"mix\":{\"Transfer\":1}}", "{\"tokenLifetime\":\"PT30S\"}", "{\"tokenLifetime\":\"two hours\"}", "{not json");

        for (String body : bad) {
            HttpResponse<String> refused = simulator.send("POST", "/sandbox/load/prepare", body);

            assertThat(refused.statusCode()).as(body).isEqualTo(400);
            assertThat(refused.headers().firstValue("Content-Type")).as(body).hasValue("application/problem+json");
            assertThat(JSON.readTree(refused.body()).get("detail").asText()).as(body).isNotBlank();
        }
        assertThat(simulator.send("POST", "/sandbox/load/send", "{\"concurrency\":0}").statusCode()).isEqualTo(400);
        assertThat(simulator.send("POST", "/sandbox/load/send", "{}").statusCode()).isEqualTo(409);
        assertThat(simulator.report().at("/notifications/count").asInt()).isZero();
        assertThat(JSON.readTree(simulator.send("GET", "/sandbox/subscriptions", null).body()).get("subscriptions")).isEmpty();
    }

    @Test
    void reportCountsAcknowledgementsAndEachSystemsDeliveriesRepeatsAndOrder() throws Exception {
        List<String[]> lines = lines(simulator.send("POST", "/sandbox/load/prepare",
                "{\"subscriptions\":2,\"notifications\":8,\"mix\":{\"Renew\":1,\"ChangeQuantity\":1},\"seed\":5}").body());
        Map<String, List<String>> bySubscription = new LinkedHashMap<>();
        for (String[] line : lines) {
            bySubscription.computeIfAbsent(subscriptionOf(line), id -> new ArrayList<>()).add(line[0]);
        }
        List<String> busiest = bySubscription.values().stream().max(Comparator.comparingInt(List::size)).orElseThrow();
        String[] change = lines.stream().filter(line -> line[2].contains("\"ChangeQuantity\"")).findFirst().orElseThrow();
        Instant beforePatch = Instant.now();

        simulator.fulfillmentApi("PATCH", subscriptionOf(change) + "/operations/" + change[0], "{\"status\":\"Success\"}");
        simulator.fulfillmentApi("PATCH", subscriptionOf(change) + "/operations/" + change[0], "{\"status\":\"Success\"}");
        for (int i = busiest.size() - 1; i >= 0; i--) {
            deliver("billing", busiest.get(i));
        }
        deliver("billing", busiest.get(0));
        deliver("billing", "purchase:" + subscriptionOf(change));
        simulator.send("POST", "/sandbox/recorder/crm/behaviour", "{\"status\":503,\"times\":1}");
        deliver("crm", lines.get(0)[0]);
        deliver("crm", lines.get(0)[0]);

        JsonNode report = simulator.report();
        List<JsonNode> acknowledgements = new ArrayList<>();
        report.get("acknowledgements").forEach(acknowledgements::add);
        assertThat(acknowledgements).extracting(each -> each.get("action").asText()).containsOnly("ChangeQuantity");
        assertThat(acknowledgements).hasSize(4).allSatisfy(each -> assertThat(each.has("firstPatchAt")).isTrue());
        JsonNode patched = acknowledgements.stream().filter(each -> each.get("operationId").asText().equals(change[0]))
                .findFirst().orElseThrow();
        assertThat(patched.get("patches").asInt()).isEqualTo(2);
        assertThat(Instant.ofEpochMilli(patched.get("firstPatchAt").asLong())).isBetween(beforePatch, Instant.now());
        assertThat(acknowledgements).filteredOn(each -> each != patched)
                .allSatisfy(each -> assertThat(each.get("firstPatchAt").isNull()).isTrue())
                .allSatisfy(each -> assertThat(each.get("patches").asInt()).isZero());
        JsonNode billing = report.get("billing");
        assertThat(billing.get("deliveries").asInt()).isEqualTo(busiest.size() + 2);
        assertThat(billing.get("distinctKeys").asInt()).isEqualTo(busiest.size() + 1);
        assertThat(billing.get("repeated").asInt()).isEqualTo(1);
        assertThat(billing.get("acceptedRepeats").asInt()).isEqualTo(1);
        assertThat(billing.get("unknownKeys").asInt()).isEqualTo(1);
        assertThat(billing.get("neverDelivered").asInt()).isEqualTo(8 - busiest.size());
        assertThat(billing.get("outOfOrder").asInt()).isEqualTo(busiest.size() - 1);
        assertThat(billing.get("firstAt").asLong()).isPositive().isLessThanOrEqualTo(billing.get("lastAt").asLong());
        JsonNode crm = report.get("crm");
        assertThat(crm.get("deliveries").asInt()).isEqualTo(2);
        assertThat(crm.get("refused").asInt()).isEqualTo(1);
        assertThat(crm.get("repeated").asInt()).isEqualTo(1);
        assertThat(crm.get("acceptedRepeats").asInt()).isZero();
        assertThat(crm.get("neverDelivered").asInt()).isEqualTo(7);
        assertThat(crm.get("outOfOrder").asInt()).isZero();
        JsonNode provisioning = report.get("provisioning");
        assertThat(provisioning.get("deliveries").asInt()).isZero();
        assertThat(provisioning.get("firstAt").isNull()).isTrue();
        assertThat(provisioning.get("neverDelivered").asInt()).isEqualTo(8);
    }

    @Test
    void everyAnswerOfTheApisAndTheRecordersTakesTheConfiguredLatency() throws Exception {
        String[] line = lines(simulator.send("POST", "/sandbox/load/prepare", "{\"subscriptions\":1,\"notifications\":1}").body()).get(0);

        long api = timed(() -> simulator.fulfillmentApi("GET", subscriptionOf(line) + "/operations/" + line[0], null));
        long usage = timed(() -> simulator.send("POST", "/sandbox/marketplace/api/batchUsageEvent?" + TestSimulator.API_VERSION,
                "{\"request\":[]}", "Authorization", "Bearer " + TestSimulator.API_TOKEN));
        long recorder = timed(() -> deliver("provisioning", line[0]));

        assertThat(api).isGreaterThanOrEqualTo(API_LATENCY.toMillis());
        assertThat(usage).isGreaterThanOrEqualTo(API_LATENCY.toMillis());
        assertThat(recorder).isGreaterThanOrEqualTo(DOWNSTREAM_LATENCY.toMillis());
    }

    @Test
    void sendRetriesAnAnswerThatIsNot2xxAndReportsIt() throws Exception {
        BRIDGE.stubFor(post(urlPathEqualTo("/api/webhook")).inScenario("outage").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(503)).willSetStateTo("back"));
        BRIDGE.stubFor(post(urlPathEqualTo("/api/webhook")).inScenario("outage").whenScenarioStateIs("back")
                .willReturn(aResponse().withStatus(200)));
        List<String[]> lines = lines(simulator.send("POST", "/sandbox/load/prepare",
                "{\"subscriptions\":2,\"notifications\":3,\"mix\":{\"ChangePlan\":1}}").body());

        HttpResponse<String> sending = simulator.send("POST", "/sandbox/load/send", "{\"concurrency\":1}");

        assertThat(sending.statusCode()).isEqualTo(202);
        assertThat(JSON.readTree(sending.body()).get("sending").asInt()).isEqualTo(3);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(simulator.report().at("/webhooks/acknowledged").asInt()).isEqualTo(3));
        JsonNode webhooks = simulator.report().get("webhooks");
        assertThat(webhooks.get("sent").asInt()).isEqualTo(3);
        assertThat(webhooks.get("attempts").asInt()).isEqualTo(4);
        assertThat(webhooks.get("retrying").asInt()).isZero();
        assertThat(webhooks.get("givenUp").asInt()).isZero();
        List<LoggedRequest> calls = BRIDGE.findAll(postRequestedFor(urlPathEqualTo("/api/webhook")));
        assertThat(calls).hasSize(4).allSatisfy(call -> assertThatCode(() -> verifier.verify(call.getHeader("Authorization")))
                .doesNotThrowAnyException());
        assertThat(calls.stream().map(LoggedRequest::getBodyAsString).distinct())
                .containsExactlyInAnyOrderElementsOf(lines.stream().map(line -> line[2]).toList());
        assertThat(calls.stream().filter(call -> call.getBodyAsString().equals(lines.get(0)[2]))).hasSize(2);
        assertThat(simulator.report().get("acknowledgements")).allSatisfy(each -> assertThat(each.get("sentAt").asLong()).isPositive());
        assertThat(simulator.send("POST", "/sandbox/load/send", "{}").statusCode()).isEqualTo(409);
    }

    @Test
    void sendCallsForOneSubscriptionOneAfterTheOtherInTheOrderTheyWereMade() throws Exception {
        BRIDGE.stubFor(post(urlPathEqualTo("/api/webhook")).willReturn(aResponse().withStatus(200).withFixedDelay(300)));
        List<String[]> lines = lines(simulator.send("POST", "/sandbox/load/prepare",
                "{\"subscriptions\":1,\"notifications\":3,\"mix\":{\"Renew\":1}}").body());

        simulator.send("POST", "/sandbox/load/send", "{\"concurrency\":3}");

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(simulator.report().at("/webhooks/acknowledged").asInt()).isEqualTo(3));
        List<LoggedRequest> calls = new ArrayList<>(BRIDGE.findAll(postRequestedFor(urlPathEqualTo("/api/webhook"))));
        calls.sort(Comparator.comparing(LoggedRequest::getLoggedDate));
        assertThat(calls).extracting(LoggedRequest::getBodyAsString).containsExactly(lines.stream().map(line -> line[2]).toArray(String[]::new));
        for (int i = 1; i < calls.size(); i++) {
            assertThat(calls.get(i).getLoggedDate().getTime() - calls.get(i - 1).getLoggedDate().getTime())
                    .as("call %d starts after call %d was answered", i + 1, i).isGreaterThanOrEqualTo(300);
        }
    }

    @Test
    void sendGivesUpAfterTheConfiguredAttempts() throws Exception {
        BRIDGE.stubFor(post(urlPathEqualTo("/api/webhook")).willReturn(aResponse().withStatus(500)));
        simulator.send("POST", "/sandbox/load/prepare", "{\"subscriptions\":1,\"notifications\":2,\"mix\":{\"Renew\":1}}");

        simulator.send("POST", "/sandbox/load/send", "{\"concurrency\":2}");

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(simulator.report().at("/webhooks/givenUp").asInt()).isEqualTo(2));
        JsonNode webhooks = simulator.report().get("webhooks");
        assertThat(webhooks.get("attempts").asInt()).isEqualTo(6);
        assertThat(webhooks.get("acknowledged").asInt()).isZero();
        assertThat(BRIDGE.findAll(postRequestedFor(urlPathEqualTo("/api/webhook")))).hasSize(6);
    }

    @Test
    void aRecorderAnswers503ForTheSecondsAskedThen200() throws Exception {
        HttpResponse<String> outage = simulator.send("POST", "/sandbox/recorder/billing/behaviour", "{\"status\":503,\"seconds\":2}");
        HttpResponse<String> both = simulator.send("POST", "/sandbox/recorder/billing/behaviour",
                "{\"status\":503,\"times\":1,\"seconds\":2}");

        assertThat(JSON.readTree(outage.body())).isEqualTo(JSON.readTree("{\"status\":503,\"seconds\":2}"));
        assertThat(both.statusCode()).isEqualTo(400);
        assertThat(deliver("billing", "key-1").statusCode()).isEqualTo(503);
        await().atMost(Duration.ofSeconds(5)).until(() -> deliver("billing", "key-1").statusCode() == 200);
        assertThat(JSON.readTree(simulator.send("GET", "/sandbox/recorder/billing/behaviour", null).body()))
                .isEqualTo(JSON.readTree("{\"status\":200}"));
    }

    @Test
    void resetForgetsTheLoadTheSubscriptionsAndTheDeliveries() throws Exception {
        String[] line = lines(simulator.send("POST", "/sandbox/load/prepare", "{\"subscriptions\":3,\"notifications\":5}").body()).get(0);
        deliver("crm", line[0]);

        simulator.send("POST", "/sandbox/load/reset", null);

        assertThat(simulator.report().at("/notifications/count").asInt()).isZero();
        assertThat(simulator.report().at("/crm/deliveries").asInt()).isZero();
        assertThat(JSON.readTree(simulator.send("GET", "/sandbox/subscriptions", null).body()).get("subscriptions")).isEmpty();
        assertThat(simulator.fulfillmentApi("GET", subscriptionOf(line), null).statusCode()).isEqualTo(404);
    }

    private static HttpResponse<String> deliver(String system, String key) throws Exception {
        return simulator.send("POST", "/sandbox/recorder/" + system, "{\"eventId\":\"" + key + "\"}", "Idempotency-Key", key);
    }

    private static List<String[]> lines(String body) {
        return Arrays.stream(body.split("\n")).map(line -> line.split("\t", -1)).toList();
    }

    private static String subscriptionOf(String[] line) throws Exception {
        return JSON.readTree(line[2]).get("subscriptionId").asText();
    }

    private interface Call {
        Object run() throws Exception;
    }

    private static long timed(Call call) throws Exception {
        long start = System.nanoTime();
        call.run();
        return Duration.ofNanos(System.nanoTime() - start).toMillis();
    }
}
