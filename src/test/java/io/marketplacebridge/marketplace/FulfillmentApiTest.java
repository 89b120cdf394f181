package io.marketplacebridge.marketplace;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.patch;
import static com.github.tomakehurst.wiremock.client.WireMock.patchRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.marketplacebridge.BridgeTest;
import io.marketplacebridge.failure.Failure;
import io.marketplacebridge.marketplace.FulfillmentApi.RetryPolicy;
import io.marketplacebridge.marketplace.MarketplaceProperties.Auth;
import io.marketplacebridge.marketplace.MarketplaceProperties.AuthMode;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * FulfillmentApi: the token, the ids, the time-outs and the failure vocabulary of every call, for the client the
 * queue consumers use (no retries: the broker redelivers) and the one callers that wait use (retries of safe calls
 * within a budget). Microsoft is WireMock on a real socket.
 */
class FulfillmentApiTest {

    private static final String GUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
    private static final WireMockServer MICROSOFT = new WireMockServer(options().dynamicPort());

    private final CountingTokens tokens = new CountingTokens(properties());
    private final FulfillmentApi queue = new FulfillmentApi(properties(), tokens, new ObjectMapper(), RetryPolicy.none(),
            Clock.systemUTC(), new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
    private final FulfillmentApi interactive = new FulfillmentApi(properties(), tokens, new ObjectMapper(),
            new RetryPolicy("interactive", 3, Duration.ofMillis(50), Duration.ofSeconds(8)), Clock.systemUTC(), new io.micrometer.core.instrument.simple.SimpleMeterRegistry());

    @BeforeAll
    static void start() {
        MICROSOFT.start();
    }

    @AfterAll
    static void stop() {
        MICROSOFT.stop();
    }

    @BeforeEach
    void reset() {
        MICROSOFT.resetAll();
    }

    @Test
    void sendsTokenApiVersionRequestAndCorrelationIds() {
        String id = newId();
        stubSubscription(id);

        Map<String, Object> subscription = queue.getSubscription(id, "corr-" + id);

        assertThat(subscription).containsEntry("id", id).containsEntry("quantity", 3);
        MICROSOFT.verify(1, getRequestedFor(urlPathEqualTo("/api/saas/subscriptions/" + id))
                .withQueryParam("api-version", equalTo("2018-08-31"))
                .withHeader("Authorization", equalTo("Bearer test-token"))
                .withHeader("x-ms-requestid", matching(GUID))
                .withHeader("x-ms-correlationid", equalTo("corr-" + id)));
    }

    @Test
    void throttlingAndTimeoutsAreTransientForTheBrokerToRedeliverWithRetryAfter() {
        String throttled = newId();
        String timedOut = newId();
        MICROSOFT.stubFor(get(urlPathEqualTo("/api/saas/subscriptions/" + throttled))
                .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "7")));
        MICROSOFT.stubFor(get(urlPathEqualTo("/api/saas/subscriptions/" + timedOut)).willReturn(aResponse().withStatus(408)));

        Failure throttle = catchThrowableOfType(Failure.class, () -> queue.getSubscription(throttled, null));
        Failure timeout = catchThrowableOfType(Failure.class, () -> queue.getSubscription(timedOut, null));

        assertThat(throttle.isPermanent()).isFalse();
        assertThat(throttle.getStatus()).isEqualTo(429);
        assertThat(throttle.getRetryAfter()).isEqualTo(Duration.ofSeconds(7));
        assertThat(timeout.isPermanent()).isFalse();
        assertThat(timeout.getStatus()).isEqualTo(408);
        MICROSOFT.verify(1, getRequestedFor(urlPathEqualTo("/api/saas/subscriptions/" + throttled)));
        MICROSOFT.verify(1, getRequestedFor(urlPathEqualTo("/api/saas/subscriptions/" + timedOut)));
    }

    /**
     * Issue 20, scenario 5 (MicrosoftFaultsIT): the acknowledgement lane's PATCH was throttled and webhook-processing
     * PATCHed the same operation 0.7 s later, inside the 2 s Retry-After. A 429's Retry-After now binds the next
     * caller of the same request too: it is not sent, the caller gets a transient 429 with the time left.
     */
    @Test
    void aThrottledRequestIsNotSentAgainByAnyCallerBeforeItsRetryAfter() throws Exception {
        String id = newId();
        String operation = newId();
        String other = newId();
        MICROSOFT.stubFor(patch(urlPathEqualTo(operationPath(id, operation))).inScenario("throttled-" + operation)
                .whenScenarioStateIs(Scenario.STARTED).willSetStateTo("calm")
                .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "1")));
        MICROSOFT.stubFor(patch(urlPathEqualTo(operationPath(id, operation))).inScenario("throttled-" + operation)
                .whenScenarioStateIs("calm").willReturn(aResponse().withStatus(200)));
        MICROSOFT.stubFor(patch(urlPathEqualTo(operationPath(id, other))).willReturn(aResponse().withStatus(200)));

        Failure first = catchThrowableOfType(Failure.class, () -> queue.updateOperation(id, operation, "Success", "lane"));
        Failure second = catchThrowableOfType(Failure.class, () -> queue.updateOperation(id, operation, "Success", "in-order"));

        assertThat(first.getStatus()).isEqualTo(429);
        assertThat(second.isPermanent()).isFalse();
        assertThat(second.getStatus()).isEqualTo(429);
        assertThat(second.getRetryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(1));
        assertThat(second.getMessage()).contains("update-operation", "Retry-After");
        MICROSOFT.verify(1, patchRequestedFor(urlPathEqualTo(operationPath(id, operation))));
        assertThat(queue.updateOperation(id, other, "Success", null)).as("another request is not held").isEqualTo("Updated");

        Thread.sleep(second.getRetryAfter().toMillis() + 50);
        assertThat(queue.updateOperation(id, operation, "Success", "in-order")).isEqualTo("Updated");
        List<LoggedRequest> patches = MICROSOFT.findAll(patchRequestedFor(urlPathEqualTo(operationPath(id, operation))));
        assertThat(patches).hasSize(2);
        assertThat(Duration.between(patches.get(0).getLoggedDate().toInstant(), patches.get(1).getLoggedDate().toInstant()))
                .isGreaterThanOrEqualTo(Duration.ofMillis(900));
    }

    @Test
    void noAnswerAtAllIsTransient() {
        FulfillmentApi nowhere = new FulfillmentApi(properties(URI.create("http://localhost:1/api")), tokens,
                new ObjectMapper(), RetryPolicy.none(), Clock.systemUTC(), new io.micrometer.core.instrument.simple.SimpleMeterRegistry());

        Failure failure = catchThrowableOfType(Failure.class, () -> nowhere.getSubscription(newId(), null));

        assertThat(failure.isPermanent()).isFalse();
        assertThat(failure.getStatus()).isZero();
        assertThat(failure.getMessage()).contains("get-subscription", "no answer");
    }

    @Test
    void interactiveCallWaitsForRetryAfterThenSucceeds() {
        String id = newId();
        stubFirstThen(id, aResponse().withStatus(429).withHeader("Retry-After", "1"));

        Map<String, Object> subscription = interactive.getSubscription(id, null);

        assertThat(subscription).containsEntry("id", id);
        List<LoggedRequest> calls = MICROSOFT.findAll(getRequestedFor(urlPathEqualTo("/api/saas/subscriptions/" + id)));
        assertThat(calls).hasSize(2);
        assertThat(Duration.between(calls.get(0).getLoggedDate().toInstant(), calls.get(1).getLoggedDate().toInstant()))
                .isGreaterThanOrEqualTo(Duration.ofMillis(900));
    }

    @Test
    void interactiveCallHonoursRetryAfterAsAnHttpDate() {
        String id = newId();
        String inTwoSeconds = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now().plusSeconds(2));
        stubFirstThen(id, aResponse().withStatus(503).withHeader("Retry-After", inTwoSeconds));

        interactive.getSubscription(id, null);

        List<LoggedRequest> calls = MICROSOFT.findAll(getRequestedFor(urlPathEqualTo("/api/saas/subscriptions/" + id)));
        assertThat(calls).hasSize(2);
        assertThat(Duration.between(calls.get(0).getLoggedDate().toInstant(), calls.get(1).getLoggedDate().toInstant()))
                .isGreaterThanOrEqualTo(Duration.ofMillis(900));
    }

    @Test
    void interactiveCallGivesUpWhenRetryAfterOutlastsItsBudget() {
        String id = newId();
        MICROSOFT.stubFor(get(urlPathEqualTo("/api/saas/subscriptions/" + id))
                .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "120")));

        Failure failure = catchThrowableOfType(Failure.class, () -> interactive.getSubscription(id, null));

        assertThat(failure.isPermanent()).isFalse();
        assertThat(failure.getRetryAfter()).isEqualTo(Duration.ofSeconds(120));
        MICROSOFT.verify(1, getRequestedFor(urlPathEqualTo("/api/saas/subscriptions/" + id)));
    }

    @Test
    void serverErrorOfASafeCallIsRetriedByTheInteractiveClientOnly() {
        String id = newId();
        String other = newId();
        stubFirstThen(id, aResponse().withStatus(503));
        stubFirstThen(other, aResponse().withStatus(503));

        interactive.getSubscription(id, null);
        assertThatThrownBy(() -> queue.getSubscription(other, null)).isInstanceOf(Failure.class).hasMessageContaining("503");

        MICROSOFT.verify(2, getRequestedFor(urlPathEqualTo("/api/saas/subscriptions/" + id)));
        MICROSOFT.verify(1, getRequestedFor(urlPathEqualTo("/api/saas/subscriptions/" + other)));
    }

    @Test
    void refusedTokenIsRefreshedOnceAndLaterRetriesUseTheCachedToken() {
        String id = newId();
        String scenario = "refused-then-down-" + id;
        MICROSOFT.stubFor(get(urlPathEqualTo("/api/saas/subscriptions/" + id)).inScenario(scenario)
                .whenScenarioStateIs(Scenario.STARTED).willReturn(aResponse().withStatus(401)).willSetStateTo("down"));
        MICROSOFT.stubFor(get(urlPathEqualTo("/api/saas/subscriptions/" + id)).inScenario(scenario)
                .whenScenarioStateIs("down").willReturn(aResponse().withStatus(503)).willSetStateTo("still down"));
        MICROSOFT.stubFor(get(urlPathEqualTo("/api/saas/subscriptions/" + id)).inScenario(scenario)
                .whenScenarioStateIs("still down").willReturn(aResponse().withStatus(503)).willSetStateTo("up"));
        MICROSOFT.stubFor(get(urlPathEqualTo("/api/saas/subscriptions/" + id)).inScenario(scenario)
                .whenScenarioStateIs("up").willReturn(BridgeTest.json(200, subscriptionJson(id))));

        interactive.getSubscription(id, null);

        MICROSOFT.verify(4, getRequestedFor(urlPathEqualTo("/api/saas/subscriptions/" + id)));
        assertThat(tokens.forcedRefreshes).hasValue(1);
    }

    @Test
    void persistentRefusalFailsAfterOneRefreshAsTransient() {
        String id = newId();
        MICROSOFT.stubFor(get(urlPathEqualTo("/api/saas/subscriptions/" + id)).willReturn(aResponse().withStatus(403)));

        Failure failure = catchThrowableOfType(Failure.class, () -> queue.getSubscription(id, null));

        assertThat(failure.getStatus()).isEqualTo(403);
        assertThat(failure.isPermanent()).as("a login configuration can fix").isFalse();
        MICROSOFT.verify(2, getRequestedFor(urlPathEqualTo("/api/saas/subscriptions/" + id)));
        assertThat(tokens.forcedRefreshes).hasValue(1);
    }

    @Test
    void activateIsNeverRepeatedOnServerErrorAndIgnoresTheBodyOfItsAnswer() {
        String failing = newId();
        String succeeding = newId();
        MICROSOFT.stubFor(post(urlPathEqualTo("/api/saas/subscriptions/" + failing + "/activate")).willReturn(aResponse().withStatus(500)));
        MICROSOFT.stubFor(post(urlPathEqualTo("/api/saas/subscriptions/" + succeeding + "/activate"))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "text/plain").withBody("OK")));

        assertThatThrownBy(() -> interactive.activate(failing, Map.of("planId", "basic", "quantity", 4), null))
                .isInstanceOf(Failure.class).hasMessageContaining("activate").hasMessageContaining("500");
        interactive.activate(succeeding, Map.of("planId", "basic"), null);

        MICROSOFT.verify(1, postRequestedFor(urlPathEqualTo("/api/saas/subscriptions/" + failing + "/activate"))
                .withRequestBody(equalToJson("{\"planId\":\"basic\",\"quantity\":4}")));
        MICROSOFT.verify(1, postRequestedFor(urlPathEqualTo("/api/saas/subscriptions/" + succeeding + "/activate")));
    }

    @Test
    void updateOperationSendsTheStatusToleratesAnyBodyAndReadsConflictAsSuperseded() {
        String id = newId();
        String accepted = newId();
        String superseded = newId();
        MICROSOFT.stubFor(patch(urlPathEqualTo(operationPath(id, accepted)))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "text/plain").withBody("OK")));
        MICROSOFT.stubFor(patch(urlPathEqualTo(operationPath(id, superseded))).willReturn(aResponse().withStatus(409)));

        assertThat(queue.updateOperation(id, accepted, "Success", null)).isEqualTo("Updated");
        assertThat(queue.updateOperation(id, superseded, "Failure", null)).isEqualTo("Superseded");

        MICROSOFT.verify(1, patchRequestedFor(urlPathEqualTo(operationPath(id, accepted)))
                .withRequestBody(equalToJson("{\"status\":\"Success\"}")));
        MICROSOFT.verify(1, patchRequestedFor(urlPathEqualTo(operationPath(id, superseded))));
    }

    @Test
    void unknownSubscriptionIsPermanentAndNotRetried() {
        String id = newId();
        MICROSOFT.stubFor(get(urlPathEqualTo("/api/saas/subscriptions/" + id)).willReturn(BridgeTest.json(404, "{}")));

        Failure failure = catchThrowableOfType(Failure.class, () -> interactive.getSubscription(id, null));

        assertThat(failure.getStatus()).isEqualTo(404);
        assertThat(failure.isPermanent()).isTrue();
        MICROSOFT.verify(1, getRequestedFor(urlPathEqualTo("/api/saas/subscriptions/" + id)));
    }

    @Test
    void idsThatAreNotGuidsNeverReachAUrl() {
        assertThatThrownBy(() -> queue.getSubscription("../operations", null)).isInstanceOf(Failure.class);

        MICROSOFT.verify(0, getRequestedFor(com.github.tomakehurst.wiremock.client.WireMock.anyUrl()));
    }

    @Test
    void listSubscriptionsFollowsNextLinkWithItsContinuationTokenToTheLastPage() {
        String first = newId();
        String second = newId();
        String nextLink = "http://localhost:" + MICROSOFT.port() + "/api/saas/subscriptions/?continuationToken=page%2B2"
                + "&api-version=2018-08-31";
        MICROSOFT.stubFor(get(urlPathEqualTo("/api/saas/subscriptions")).willReturn(BridgeTest.json(200,
                "{\"subscriptions\":[" + subscriptionJson(first) + "],\"@nextLink\":\"" + nextLink + "\"}")));
        MICROSOFT.stubFor(get(urlPathEqualTo("/api/saas/subscriptions/")).withQueryParam("continuationToken", equalTo("page+2"))
                .willReturn(BridgeTest.json(200, "{\"subscriptions\":[" + subscriptionJson(second) + "],\"@nextLink\":\"\"}")));

        Map<String, Object> page1 = queue.listSubscriptions(null, "corr");
        Map<String, Object> page2 = queue.listSubscriptions((String) page1.get("nextLink"), "corr");

        assertThat(page1.get("nextLink")).isEqualTo(nextLink);
        assertThat((List<?>) page1.get("subscriptions")).hasSize(1);
        assertThat(page2).doesNotContainKey("nextLink");
        assertThat(((Map<?, ?>) ((List<?>) page2.get("subscriptions")).get(0)).get("id")).isEqualTo(second);
        LoggedRequest followed = MICROSOFT.findAll(getRequestedFor(urlPathEqualTo("/api/saas/subscriptions/"))).get(0);
        assertThat(followed.queryParameter("api-version").values()).containsExactly("2018-08-31");
        assertThat(followed.getHeader("Authorization")).isEqualTo("Bearer test-token");
    }

    @Test
    void aNextLinkOutsideTheApiIsNeverFollowedAndAnEmptyListIsNone() {
        MICROSOFT.stubFor(get(urlPathEqualTo("/api/saas/subscriptions")).willReturn(aResponse().withStatus(200)));

        Failure forged = catchThrowableOfType(Failure.class,
                () -> queue.listSubscriptions("https://attacker.example/api/saas/subscriptions?continuationToken=x", null));

        assertThat(forged.isPermanent()).isTrue();
        MICROSOFT.verify(0, getRequestedFor(com.github.tomakehurst.wiremock.client.WireMock.anyUrl()));
        assertThat(queue.listSubscriptions("", null)).containsExactly(Map.entry("subscriptions", List.of()));
    }

    @Test
    void listOperationsAnswersTheOperationsOrNoneForAnEmptyBody() {
        String id = newId();
        String operation = newId();
        String other = newId();
        MICROSOFT.stubFor(get(urlPathEqualTo("/api/saas/subscriptions/" + id + "/operations")).willReturn(BridgeTest.json(200,
                "{\"operations\":[{\"id\":\"" + operation + "\",\"action\":\"Reinstate\",\"status\":\"InProgress\"}]}")));
        MICROSOFT.stubFor(get(urlPathEqualTo("/api/saas/subscriptions/" + other + "/operations")).willReturn(aResponse().withStatus(200)));

        assertThat((List<?>) queue.listOperations(id, null).get("operations")).hasSize(1);
        assertThat((List<?>) queue.listOperations(other, null).get("operations")).isEmpty();
    }

    @Test
    void findOperationAnswersNothingForAnOperationMicrosoftDoesNotKnow() {
        String id = newId();
        String operation = newId();
        MICROSOFT.stubFor(get(urlPathEqualTo(operationPath(id, operation))).willReturn(BridgeTest.json(404, "{}")));

        assertThat(queue.findOperation(id, operation, null)).isEmpty();
    }

    private static void stubSubscription(String id) {
        MICROSOFT.stubFor(get(urlPathEqualTo("/api/saas/subscriptions/" + id)).willReturn(BridgeTest.json(200, subscriptionJson(id))));
    }

    private static void stubFirstThen(String id, ResponseDefinitionBuilder first) {
        String scenario = "first-fails-" + id;
        MICROSOFT.stubFor(get(urlPathEqualTo("/api/saas/subscriptions/" + id)).inScenario(scenario)
                .whenScenarioStateIs(Scenario.STARTED).willReturn(first).willSetStateTo("recovered"));
        MICROSOFT.stubFor(get(urlPathEqualTo("/api/saas/subscriptions/" + id)).inScenario(scenario)
                .whenScenarioStateIs("recovered").willReturn(BridgeTest.json(200, subscriptionJson(id))));
    }

    private static String subscriptionJson(String id) {
        return BridgeTest.subscriptionJson(id, "Subscribed", "basic", 3, "tenant-a", "tenant-a");
    }

    private static String operationPath(String subscription, String operation) {
        return "/api/saas/subscriptions/" + subscription + "/operations/" + operation;
    }

    private static String newId() {
        return UUID.randomUUID().toString();
    }

    private static MarketplaceProperties properties() {
        return properties(URI.create("http://localhost:" + MICROSOFT.port() + "/api"));
    }

    private static MarketplaceProperties properties(URI apiUrl) {
        Auth auth = new Auth(AuthMode.STATIC, null, null, null, null, null, Duration.ofDays(30), "test-token",
                URI.create("https://login.microsoftonline.com"), "20e940b3-4c77-4b0b-9a53-9e16a1b010a7/.default",
                Duration.ofSeconds(10));
        return new MarketplaceProperties(apiUrl, "2018-08-31", Duration.ofSeconds(2), Duration.ofSeconds(5),
                Duration.ofSeconds(3), 3, Duration.ofMillis(50), Duration.ofSeconds(5), Duration.ofSeconds(8), auth);
    }

    /** The static token, counting how often a caller asked for a fresh one. */
    private static final class CountingTokens extends MarketplaceTokenProvider {

        final AtomicInteger forcedRefreshes = new AtomicInteger();

        CountingTokens(MarketplaceProperties properties) {
            super(properties, Clock.systemUTC());
        }

        @Override
        public synchronized String authorization(boolean refresh) {
            if (refresh) {
                forcedRefreshes.incrementAndGet();
            }
            return super.authorization(refresh);
        }
    }
}
