package io.marketplacebridge.metering;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.marketplacebridge.BridgeTest;
import io.marketplacebridge.event.SubscriptionEventMapper;
import io.marketplacebridge.registry.StoreTimes;
import io.marketplacebridge.registry.SubscriptionRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.TextMessage;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jms.core.JmsTemplate;

/**
 * metering.camel.yaml: usage records in (HTTP and the queue), added up per subscription, plan, dimension and UTC hour,
 * reported to Microsoft with batchUsageEvent once each hour has closed and the grace has passed, each hour settled
 * by its own result, and never twice in Microsoft's accounting (an unanswered batch, a crash). Time is the test's:
 * {@link BridgeTest#METERING_CLOCK}, moved days ahead for every test, so each test's hours are its own and those of
 * earlier tests are long past. Microsoft accepts every usage event unless a test says otherwise for its subscription.
 */
class MeteringFlowTest extends BridgeTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() { };
    private static final String INTEGRATION = "integration:test-integration-password";
    private static final String OPERATOR = "operator:test-admin-password";
    private static final String BATCH = "/api/batchUsageEvent";
    /** Microsoft takes every usage event it is sent (a fixed id, so the test classes share one such stub). */
    private static final UUID ACCEPT_EVERYTHING = UUID.fromString("3e7e1e55-0000-4000-8000-00000000ba7c");

    @LocalServerPort
    int port;

    @Autowired
    SubscriptionEventMapper mapper;

    @Autowired
    SubscriptionRegistry registry;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    @Qualifier("unbufferedConnectionFactory")
    ConnectionFactory connectionFactory;

    @Autowired
    MeterRegistry meters;

    @TempDir
    Path dataDir;

    /** The test's "now": ten minutes past an hour, days after the previous test's. */
    private Instant now;
    private final List<StubMapping> stubs = new ArrayList<>();

    @BeforeEach
    void aLaterDayWithNothingLeftToReport() throws Exception {
        now = METERING_CLOCK.instant().truncatedTo(ChronoUnit.HOURS).plus(Duration.ofDays(3)).plus(Duration.ofMinutes(10));
        METERING_CLOCK.set(now);
        if (!MICROSOFT.getStubMapping(ACCEPT_EVERYTHING).isPresent()) {
            MICROSOFT.stubFor(acceptEverything());
        }
        report();
    }

    @AfterEach
    void removeStubs() {
        stubs.forEach(MICROSOFT::removeStub);
        stubs.clear();
    }

    @Test
    void recordsAddUpPerUtcHourAcrossHourBoundariesAndTimeZonesAndEachHourIsReportedOnce() throws Exception {
        String id = subscribedSince(Duration.ofDays(2));
        Instant first = hoursAgo(2);
        Instant second = hoursAgo(1);

        HttpResponse<String> accepted = postUsage(list(
                record(null, id, "api-calls", "2.5", first.plus(Duration.ofMinutes(30)).toString()),
                // 0.1 in the last millisecond of the first hour, written in India's offset
                record(null, id, "api-calls", "0.1", first.plus(Duration.ofMinutes(59)).plusSeconds(59).plusMillis(999)
                        .atOffset(ZoneOffset.ofHoursMinutes(5, 30)).toString()),
                // the first instant of the second hour, written in California's
                record(null, id, "api-calls", "0.2", second.atOffset(ZoneOffset.ofHours(-8)).toString()),
                record(null, id, "storage-gb", "7", second.plus(Duration.ofMinutes(15)).toString())));

        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        assertThat(JSON.readTree(accepted.body()).path("accepted").asInt()).isEqualTo(4);
        JsonNode hours = usage(id).path("hours");
        assertThat(hours).hasSize(3);
        assertHour(hours.get(0), first, "api-calls", "2.6", "open");
        assertHour(hours.get(1), second, "api-calls", "0.2", "open");
        assertHour(hours.get(2), second, "storage-gb", "7", "open");

        JsonNode run = report();

        assertThat(run.path("reported").asInt()).isEqualTo(3);
        List<LoggedRequest> sent = batchesOf(id);
        assertThat(sent).hasSize(1);
        JsonNode items = JSON.readTree(sent.get(0).getBodyAsString()).path("request");
        assertThat(items).hasSize(3);
        assertThat(items.get(0).path("resourceId").asText()).isEqualTo(id);
        assertThat(items.get(0).path("effectiveStartTime").asText()).isEqualTo(first.toString());
        assertThat(items.get(0).path("quantity").decimalValue()).isEqualByComparingTo("2.6");
        assertThat(items.get(0).path("planId").asText()).isEqualTo("basic");
        assertThat(usage(id).path("hours").findValuesAsText("state")).containsOnly("reported");
        assertThat(usage(id).path("hours").get(0).path("usageEventId").asText()).isNotBlank();
        await().atMost(WAIT).untilAsserted(() -> PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo("/billing"))
                .withHeader("Idempotency-Key", equalTo("usage:" + id + ":api-calls:" + first))
                .withRequestBody(containing("\"type\":\"UsageReported\""))
                .withRequestBody(containing("\"source\":\"metering\""))));

        report();

        assertThat(batchesOf(id)).hasSize(1);
    }

    @Test
    void anHourIsReportedOnlyOnceItHasClosedAndTheGraceHasPassed() throws Exception {
        String id = subscribedSince(Duration.ofDays(2));
        Instant thisHour = now.truncatedTo(ChronoUnit.HOURS);
        assertThat(postUsage(record(null, id, "api-calls", "3", now.minus(Duration.ofMinutes(5)).toString())).statusCode()).isEqualTo(202);

        report();
        METERING_CLOCK.set(thisHour.plus(Duration.ofMinutes(64)));
        assertThat(postUsage(record(null, id, "api-calls", "1", thisHour.plus(Duration.ofMinutes(59)).toString())).statusCode())
                .as("a record of the closed hour within the grace still counts").isEqualTo(202);
        report();

        assertThat(batchesOf(id)).isEmpty();
        assertHour(usage(id).path("hours").get(0), thisHour, "api-calls", "4", "open");

        METERING_CLOCK.set(thisHour.plus(Duration.ofMinutes(65)));
        report();

        assertThat(batchesOf(id)).hasSize(1);
        assertHour(usage(id).path("hours").get(0), thisHour, "api-calls", "4", "reported");
    }

    @Test
    void batchesHoldAtMost25Hours() throws Exception {
        String id = subscribedSince(Duration.ofDays(2));
        List<String> records = new ArrayList<>();
        for (int hour = 1; hour <= 15; hour++) {
            records.add(record(null, id, "api-calls", "1", hoursAgo(hour).toString()));
            records.add(record(null, id, "storage-gb", "2", hoursAgo(hour).toString()));
        }
        assertThat(postUsage(list(records.toArray(String[]::new))).statusCode()).isEqualTo(202);

        JsonNode run = report();

        assertThat(run.path("batches").asInt()).isEqualTo(2);
        assertThat(batchesOf(id)).extracting(request -> JSON.readTree(request.getBodyAsString()).path("request").size())
                .containsExactly(25, 5);
        assertThat(usage(id).path("hours").findValuesAsText("state")).hasSize(30).containsOnly("reported");
    }

    @Test
    void eachResultStatusSettlesItsHour() throws Exception {
        String id = subscribedSince(Duration.ofDays(2));
        Instant hour = hoursAgo(1);
        List<String> statuses = List.of("Accepted", "Duplicate", "Differs", "Expired", "ResourceNotFound", "ResourceNotActive",
                "InvalidDimension", "InvalidQuantity", "BadArgument", "Error");
        List<String> records = new ArrayList<>();
        StringJoiner results = new StringJoiner(",");
        for (String status : statuses) {
            records.add(record(null, id, status.toLowerCase(), "5", hour.toString()));
            results.add(result(id, status.toLowerCase(), hour, "Differs".equals(status) ? "Duplicate" : status, "5",
                    "Differs".equals(status) ? "4.5" : "5"));
        }
        stub(post(urlPathEqualTo(BATCH)).atPriority(1).withRequestBody(containing(id)).willReturn(json(200,
                "{\"count\":" + statuses.size() + ",\"result\":[" + results + "]}")));
        postUsage(list(records.toArray(String[]::new)));

        JsonNode run = report();

        assertThat(run.path("reported").asInt()).isEqualTo(3);
        assertThat(run.path("refused").asInt()).isEqualTo(6);
        assertThat(run.path("retried").asInt()).isEqualTo(1);
        Map<String, JsonNode> byDimension = byDimension(usage(id));
        assertThat(byDimension.get("accepted").path("state").asText()).isEqualTo("reported");
        assertThat(byDimension.get("accepted").path("usageEventId").asText()).isEqualTo("event-accepted");
        assertThat(byDimension.get("duplicate").path("state").asText()).isEqualTo("reported");
        assertThat(byDimension.get("duplicate").path("usageEventId").asText()).isEqualTo("earlier-duplicate");
        assertThat(byDimension.get("duplicate").path("warning").isMissingNode()).isTrue();
        assertThat(byDimension.get("differs").path("state").asText()).isEqualTo("reported");
        assertThat(byDimension.get("differs").path("microsoftQuantity").decimalValue()).isEqualByComparingTo("4.5");
        assertThat(byDimension.get("differs").path("warning").asText()).contains("4.5", "5");
        for (String refused : List.of("expired", "resourcenotfound", "resourcenotactive", "invaliddimension", "invalidquantity",
                "badargument")) {
            assertThat(byDimension.get(refused).path("state").asText()).as(refused).isEqualTo("refused");
            assertThat(byDimension.get(refused).path("reason").asText()).as(refused).containsIgnoringCase(refused)
                    .contains("went wrong with " + refused);
        }
        assertThat(byDimension.get("error").path("state").asText()).isEqualTo("submitted");
        assertThat(byDimension.get("error").path("lastError").asText()).contains("Error");
        List<Message> deadLetters = deadLetters(connectionFactory, "marketplace.usage", id);
        assertThat(deadLetters).hasSize(6);
        assertThat(deadLetters.get(0).getStringProperty("bridgeFailureMessage")).contains("Microsoft refused hour " + hour);
        await().atMost(WAIT).untilAsserted(() -> assertThat(PUBLISHER.findAll(postRequestedFor(urlPathEqualTo("/billing"))
                .withRequestBody(containing("\"type\":\"UsageReported\"")).withRequestBody(containing(id)))).hasSize(3));

        removeStubs();
        report();

        assertThat(byDimension(usage(id)).get("error").path("state").asText()).isEqualTo("reported");
    }

    @Test
    void aBatchThatGotNoAnswerIsSentAgainAndMicrosoftsDuplicateSettlesIt() throws Exception {
        String id = subscribedSince(Duration.ofDays(2));
        Instant hour = hoursAgo(1);
        String scenario = "lost-answer-" + id;
        stub(post(urlPathEqualTo(BATCH)).atPriority(1).withRequestBody(containing(id)).inScenario(scenario)
                .whenScenarioStateIs(Scenario.STARTED).willSetStateTo("taken")
                .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
        stub(post(urlPathEqualTo(BATCH)).atPriority(1).withRequestBody(containing(id)).inScenario(scenario)
                .whenScenarioStateIs("taken").willReturn(json(200, "{\"count\":1,\"result\":["
                        + result(id, "api-calls", hour, "Duplicate", "12", "12") + "]}")));
        postUsage(record("r-1", id, "api-calls", "12", hour.plus(Duration.ofMinutes(20)).toString()));

        JsonNode lost = report();

        assertThat(lost.path("retried").asInt()).isEqualTo(1);
        JsonNode submitted = usage(id).path("hours").get(0);
        assertThat(submitted.path("state").asText()).isEqualTo("submitted");
        assertThat(submitted.path("lastError").asText()).contains("no answer");
        assertThat(postUsage(record("r-2", id, "api-calls", "1", hour.plus(Duration.ofMinutes(30)).toString())).statusCode())
                .as("a submitted hour takes no more usage").isEqualTo(422);

        report();

        JsonNode reported = usage(id).path("hours").get(0);
        assertThat(reported.path("state").asText()).isEqualTo("reported");
        assertThat(reported.path("microsoftStatus").asText()).isEqualTo("Duplicate");
        assertThat(reported.path("usageEventId").asText()).isEqualTo("earlier-api-calls");
        assertThat(reported.path("attempts").asInt()).isEqualTo(2);
        assertThat(batchesOf(id)).hasSize(2)
                .allSatisfy(request -> assertThat(JSON.readTree(request.getBodyAsString()).at("/request/0/quantity").decimalValue())
                        .isEqualByComparingTo("12"));
        await().atMost(WAIT).untilAsserted(() -> PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo("/billing"))
                .withHeader("Idempotency-Key", equalTo("usage:" + id + ":api-calls:" + hour))));
    }

    @Test
    void microsoftUnavailableLeavesTheHoursForTheNextRun() throws Exception {
        String id = subscribedSince(Duration.ofDays(2));
        StubMapping unavailable = stub(post(urlPathEqualTo(BATCH)).atPriority(1).withRequestBody(containing(id))
                .willReturn(aResponse().withStatus(503).withHeader("Retry-After", "1")));
        postUsage(record(null, id, "api-calls", "1", hoursAgo(3).toString()));
        postUsage(record(null, id, "api-calls", "1", hoursAgo(2).toString()));

        JsonNode run = report();

        assertThat(run.path("batches").asInt()).as("the run stops at the first batch without an answer").isEqualTo(1);
        assertThat(usage(id).path("hours").findValuesAsText("state")).containsOnly("submitted");

        MICROSOFT.removeStub(unavailable);
        report();

        assertThat(usage(id).path("hours").findValuesAsText("state")).containsOnly("reported");
        assertThat(deadLetters(connectionFactory, "marketplace.usage", id)).isEmpty();
    }

    @Test
    void aRefusedHoursReplayedDeadLetterIsReportedAgain() throws Exception {
        String id = subscribedSince(Duration.ofDays(2));
        Instant hour = hoursAgo(1);
        StubMapping refusing = stub(post(urlPathEqualTo(BATCH)).atPriority(1).withRequestBody(containing(id)).willReturn(json(200,
                "{\"count\":1,\"result\":[" + result(id, "api-calls", hour, "InvalidDimension", "3", "3") + "]}")));
        postUsage(record(null, id, "api-calls", "3", hour.toString()));
        report();
        assertThat(usage(id).path("hours").get(0).path("state").asText()).isEqualTo("refused");
        MICROSOFT.removeStub(refusing);

        HttpResponse<String> replayed = call(port, "POST", "/api/admin/dead-letters/marketplace.usage/replay?subscriptionId=" + id,
                OPERATOR, null);

        assertThat(replayed.statusCode()).as(replayed.body()).isEqualTo(200);
        await().atMost(WAIT).untilAsserted(() -> assertThat(usage(id).path("hours").get(0).path("state").asText()).isEqualTo("open"));
        report();
        assertThat(usage(id).path("hours").get(0).path("state").asText()).isEqualTo("reported");
        assertThat(usage(id).path("hours").get(0).path("quantity").decimalValue()).isEqualByComparingTo("3");
    }

    @Test
    void lateRecordsForAReportedHourAreRefusedAndTheListIsNotTaken() throws Exception {
        String id = subscribedSince(Duration.ofDays(2));
        Instant reportedHour = hoursAgo(2);
        postUsage(record(null, id, "api-calls", "10", reportedHour.plus(Duration.ofMinutes(5)).toString()));
        report();

        HttpResponse<String> late = postUsage(list(
                record("fine", id, "api-calls", "1", hoursAgo(1).toString()),
                record("late", id, "api-calls", "1", reportedHour.plus(Duration.ofMinutes(50)).toString())));

        assertThat(late.statusCode()).isEqualTo(422);
        assertThat(late.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        JsonNode problem = JSON.readTree(late.body());
        assertThat(problem.path("errors")).hasSize(1);
        assertThat(problem.at("/errors/0/record").asInt()).isEqualTo(1);
        assertThat(problem.at("/errors/0/id").asText()).isEqualTo("late");
        assertThat(problem.at("/errors/0/field").asText()).isEqualTo("timestamp");
        assertThat(problem.at("/errors/0/detail").asText()).contains("already reported");
        assertThat(usage(id).path("hours")).hasSize(1);
        assertHour(usage(id).path("hours").get(0), reportedHour, "api-calls", "10", "reported");
    }

    @Test
    void theSameRecordIdTwiceCountsOnce() throws Exception {
        String id = subscribedSince(Duration.ofDays(2));
        String at = hoursAgo(1).toString();

        JsonNode first = JSON.readTree(postUsage(record("a-1", id, "api-calls", "5", at)).body());
        JsonNode again = JSON.readTree(postUsage(record("a-1", id, "api-calls", "5", at)).body());
        JsonNode listed = JSON.readTree(postUsage(list(record("a-2", id, "api-calls", "2", at), record("a-2", id, "api-calls", "2", at),
                record("a-1", id, "api-calls", "5", at))).body());

        assertThat(first.path("accepted").asInt()).isEqualTo(1);
        assertThat(again.path("accepted").asInt()).isZero();
        assertThat(again.path("duplicates").asInt()).isEqualTo(1);
        assertThat(listed.path("accepted").asInt()).isEqualTo(1);
        assertThat(listed.path("duplicates").asInt()).isEqualTo(2);
        assertHour(usage(id).path("hours").get(0), hoursAgo(1), "api-calls", "7", "open");
        assertThat(usage(id).path("hours").get(0).path("records").asInt()).isEqualTo(2);
    }

    @Test
    void listsArrivingTogetherForTheSameNewHourAllCount() throws Exception {
        String id = subscribedSince(Duration.ofDays(2));
        String at = hoursAgo(1).toString();
        java.util.concurrent.ExecutorService products = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            List<java.util.concurrent.Future<HttpResponse<String>>> answers = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                String body = list(record(null, id, "api-calls", "0.5", at), record(null, id, "messages", "1", at));
                answers.add(products.submit(() -> postUsage(body)));
            }
            for (java.util.concurrent.Future<HttpResponse<String>> answer : answers) {
                assertThat(answer.get().statusCode()).as(answer.get().body()).isEqualTo(202);
            }
        } finally {
            products.shutdownNow();
        }

        Map<String, JsonNode> hours = byDimension(usage(id));
        assertThat(hours.get("api-calls").path("quantity").decimalValue()).isEqualByComparingTo("8");
        assertThat(hours.get("messages").path("quantity").decimalValue()).isEqualByComparingTo("16");
        assertThat(hours.get("messages").path("records").asInt()).isEqualTo(16);
    }

    @Test
    void usageOfASuspendedSubscriptionIsRefusedForTheTimeItWasSuspended() throws Exception {
        String id = subscribedSince(Duration.ofHours(30));
        registered(id, "Suspended", now.minus(Duration.ofHours(5)));
        registered(id, "Reinstated", now.minus(Duration.ofHours(2)));

        HttpResponse<String> refused = postUsage(list(
                record(null, id, "api-calls", "1", hoursAgo(6).toString()),
                record(null, id, "api-calls", "1", hoursAgo(4).toString()),
                record(null, id, "api-calls", "1", hoursAgo(1).toString())));

        assertThat(refused.statusCode()).isEqualTo(422);
        JsonNode problem = JSON.readTree(refused.body());
        assertThat(problem.path("errors")).hasSize(1);
        assertThat(problem.at("/errors/0/record").asInt()).isEqualTo(1);
        assertThat(problem.at("/errors/0/detail").asText()).contains("Suspended");
        assertThat(usage(id).path("hours")).isEmpty();
        assertThat(postUsage(list(record(null, id, "api-calls", "1", hoursAgo(6).toString()),
                record(null, id, "api-calls", "1", hoursAgo(1).toString()))).statusCode()).isEqualTo(202);
    }

    @Test
    void recordsThatCannotBeReportedAreRefusedWithEveryBadRecordAndFieldNamed() throws Exception {
        String id = subscribedSince(Duration.ofDays(2));
        String fine = hoursAgo(1).toString();

        HttpResponse<String> refused = postUsage(list(
                record("ok", id, "api-calls", "1", fine),
                record("zero", id, "api-calls", "0", fine),
                record("negative", id, "api-calls", "-2", fine),
                "{\"id\":\"text\",\"subscriptionId\":\"" + id + "\",\"dimension\":\"api-calls\",\"quantity\":\"5\",\"timestamp\":\"" + fine + "\"}",
                record("future", id, "api-calls", "1", now.plus(Duration.ofHours(1)).toString()),
                record("old", id, "api-calls", "1", now.minus(Duration.ofHours(25)).toString()),
                record("no-offset", id, "api-calls", "1", "2026-05-02T09:15:00"),
                record("stranger", newSubscriptionId(), "api-calls", "1", fine),
                "{\"id\":\"no-dimension\",\"subscriptionId\":\"" + id + "\",\"quantity\":1,\"timestamp\":\"" + fine + "\"}",
                "{\"id\":\"numeric-dimension\",\"subscriptionId\":\"" + id + "\",\"dimension\":0,\"quantity\":1,\"timestamp\":\"" + fine + "\"}",
                "{\"id\":\"boolean-plan\",\"subscriptionId\":\"" + id + "\",\"dimension\":\"api-calls\",\"planId\":true,\"quantity\":1,"
                        + "\"timestamp\":\"" + fine + "\"}"));

        assertThat(refused.statusCode()).isEqualTo(422);
        JsonNode problem = JSON.readTree(refused.body());
        assertThat(problem.path("detail").asText()).startsWith("10 of 11 usage records cannot be reported");
        Map<String, String> fields = new LinkedHashMap<>();
        problem.path("errors").forEach(error -> fields.put(error.path("id").asText(), error.path("field").asText()));
        assertThat(fields).containsExactly(Map.entry("zero", "quantity"), Map.entry("negative", "quantity"),
                Map.entry("text", "quantity"), Map.entry("future", "timestamp"), Map.entry("old", "timestamp"),
                Map.entry("no-offset", "timestamp"), Map.entry("stranger", "subscriptionId"), Map.entry("no-dimension", "dimension"),
                Map.entry("numeric-dimension", "dimension"), Map.entry("boolean-plan", "planId"));
        assertThat(usage(id).path("hours")).as("a refused list writes nothing").isEmpty();
        assertThat(postUsage("not json").statusCode()).isEqualTo(400);
        assertThat(postUsage("[]").statusCode()).isEqualTo(400);
        List<String> tooMany = new ArrayList<>();
        for (int i = 0; i <= 1000; i++) {
            tooMany.add(record(null, id, "api-calls", "1", fine));
        }
        assertThat(postUsage(list(tooMany.toArray(String[]::new))).statusCode()).isEqualTo(413);
        assertThat(call(port, "POST", "/api/usage", null, record(null, id, "api-calls", "1", fine)).statusCode()).isEqualTo(401);
    }

    @Test
    void usageSentToTheQueueIsCountedAndARefusedMessageIsDeadLettered() throws Exception {
        String id = subscribedSince(Duration.ofDays(2));
        JmsTemplate jms = new JmsTemplate(connectionFactory);

        jms.convertAndSend("marketplace.usage", list(record(null, id, "messages", "1.25", hoursAgo(1).toString()),
                record(null, id, "messages", "0.75", hoursAgo(1).toString())));
        jms.convertAndSend("marketplace.usage", record(null, id, "messages", "0", hoursAgo(1).toString()));

        await().atMost(WAIT).untilAsserted(() -> assertThat(usage(id).path("hours")).hasSize(1));
        assertHour(usage(id).path("hours").get(0), hoursAgo(1), "messages", "2", "open");
        // The product's message carries no subscription header: its dead letter is found by its body.
        await().atMost(WAIT).untilAsserted(() -> assertThat(refusedMessagesOf(jms, id)).singleElement().asString()
                .contains("quantity must be above zero"));
    }

    @Test
    void aReportRunWaitsWhileAnotherInstanceHoldsTheLease() throws Exception {
        String id = subscribedSince(Duration.ofDays(2));
        postUsage(record(null, id, "api-calls", "1", hoursAgo(1).toString()));
        jdbc.update("UPDATE metering_lease SET holder = ?, instance = 'the other bridge', expires_at = ? WHERE name = 'report'",
                UUID.randomUUID().toString(), StoreTimes.utc(now.plus(Duration.ofMinutes(1))));

        HttpResponse<String> held = call(port, "POST", "/api/admin/metering/report", OPERATOR, null);

        assertThat(held.statusCode()).isEqualTo(409);
        assertThat(held.body()).contains("the other bridge");
        assertThat(batchesOf(id)).isEmpty();

        METERING_CLOCK.set(now.plus(Duration.ofMinutes(2)));
        report();

        assertThat(batchesOf(id)).hasSize(1);
    }

    @Test
    void anHourNearingMicrosoftsLimitIsAWarningInHealthAndTheMetric() throws Exception {
        String id = subscribedSince(Duration.ofDays(2));
        stub(post(urlPathEqualTo(BATCH)).atPriority(1).withRequestBody(containing(id)).willReturn(aResponse().withStatus(500)));
        postUsage(record(null, id, "api-calls", "1", hoursAgo(13).toString()));
        report();

        JsonNode health = JSON.readTree(call(port, "GET", "/actuator/health", OPERATOR, null).body()).at("/components/metering");
        // @SpringBootTest exports no metrics (/actuator/prometheus is absent): the registry has the gauge.
        double age = meters.get("bridge.metering.oldest.unreported.seconds").gauge().value();

        assertThat(health.path("status").asText()).isEqualTo("UP");
        assertThat(health.at("/details/submittedHours").asInt()).isEqualTo(1);
        assertThat(health.at("/details/oldestUnreported/subscriptionId").asText()).isEqualTo(id);
        assertThat(health.at("/details/warning").asText()).contains(id, "Microsoft refuses it in");
        assertThat(age).isEqualTo(Duration.between(hoursAgo(13), now).toSeconds());
    }

    @Test
    void aCrashAfterMicrosoftAnsweredBeforeTheStoreWasUpdatedIsSettledOnceAfterTheRestart() throws Exception {
        String id = newSubscriptionId();
        Instant hour = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(2));
        String scenario = "crash-" + id;
        // Microsoft takes the batch but answers late: the bridge is gone by then.
        stub(post(urlPathEqualTo(BATCH)).atPriority(1).withRequestBody(containing(id)).inScenario(scenario)
                .whenScenarioStateIs(Scenario.STARTED).willSetStateTo("taken").willReturn(json(200, "{\"count\":1,\"result\":["
                        + result(id, "api-calls", hour, "Accepted", "8", "8") + "]}").withFixedDelay(3000)));
        stub(post(urlPathEqualTo(BATCH)).atPriority(1).withRequestBody(containing(id)).inScenario(scenario)
                .whenScenarioStateIs("taken").willReturn(json(200, "{\"count\":1,\"result\":["
                        + result(id, "api-calls", hour, "Duplicate", "8", "8") + "]}")));
        Map<String, String> settings = Map.of("bridge.metering.interval", "500ms", "bridge.metering.lease", "2s",
                "camel.main.shutdown-timeout", "1");
        try (ConfigurableApplicationContext bridge = startApplication(dataDir, "metering-crash", settings)) {
            registered(bridge, id, "Subscribed", Instant.now().minus(Duration.ofHours(3)));
            assertThat(call(port(bridge), "POST", "/api/usage", INTEGRATION, record("c-1", id, "api-calls", "8",
                    hour.plus(Duration.ofMinutes(10)).toString())).statusCode()).isEqualTo(202);
            await().atMost(WAIT).until(() -> batchesOf(id).size() == 1);
        }

        try (ConfigurableApplicationContext bridge = startApplication(dataDir, "metering-crash", settings)) {
            await().atMost(WAIT).untilAsserted(() -> assertThat(read(port(bridge), "/api/subscriptions/" + id + "/usage")
                    .at("/hours/0/state").asText()).isEqualTo("reported"));
            JsonNode settled = read(port(bridge), "/api/subscriptions/" + id + "/usage").at("/hours/0");
            assertThat(settled.path("microsoftStatus").asText()).isEqualTo("Duplicate");
            assertThat(settled.path("usageEventId").asText()).isEqualTo("earlier-api-calls");
            await().during(Duration.ofSeconds(2)).atMost(WAIT).untilAsserted(() -> PUBLISHER.verify(1,
                    postRequestedFor(urlPathEqualTo("/billing")).withHeader("Idempotency-Key", equalTo("usage:" + id + ":api-calls:" + hour))));
        }
        assertThat(batchesOf(id)).hasSize(2);
    }

    /** A subscription activated {@code ago} before the test's now, as the registry records it. */
    private String subscribedSince(Duration ago) throws Exception {
        String id = newSubscriptionId();
        registered(id, "Activated", now.minus(ago));
        return id;
    }

    /** The registry records the event ({@code Activated}, {@code Suspended}, {@code Reinstated}) as published at {@code at}. */
    private void registered(String id, String type, Instant at) throws Exception {
        registered(registry, mapper, id, type, at);
    }

    private static void registered(ConfigurableApplicationContext bridge, String id, String type, Instant at) throws Exception {
        registered(bridge.getBean(SubscriptionRegistry.class), bridge.getBean(SubscriptionEventMapper.class), id,
                "Subscribed".equals(type) ? "Activated" : type, at);
    }

    private static void registered(SubscriptionRegistry registry, SubscriptionEventMapper mapper, String id, String type,
            Instant at) throws Exception {
        String status = "Suspended".equals(type) ? "Suspended" : "Subscribed";
        Map<String, Object> subscription = JSON.readValue(subscriptionJson(id, status, "basic", 10, "tenant-a", "tenant-a"), MAP);
        Map<String, Object> event = "Activated".equals(type) ? mapper.activated(subscription, "c-" + id)
                : mapper.fromOperation(new LinkedHashMap<>(Map.of("id", UUID.randomUUID().toString(), "subscriptionId", id,
                        "action", "Suspended".equals(type) ? "Suspend" : "Reinstate", "status", "Succeeded")), subscription, type,
                        "c-" + id);
        event.put("occurredAt", at.toString());
        registry.recordPublished(event);
    }

    private Instant hoursAgo(int hours) {
        return now.truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(hours));
    }

    private static String record(String recordId, String subscriptionId, String dimension, String quantity, String timestamp) {
        return "{" + (recordId == null ? "" : "\"id\":\"" + recordId + "\",") + "\"subscriptionId\":\"" + subscriptionId
                + "\",\"dimension\":\"" + dimension + "\",\"quantity\":" + quantity + ",\"timestamp\":\"" + timestamp + "\"}";
    }

    private static String list(String... records) {
        return "[" + String.join(",", records) + "]";
    }

    /** One item of batchUsageEvent's answer; a Duplicate carries the event Microsoft accepted earlier. */
    private static String result(String id, String dimension, Instant hour, String status, String quantity, String acceptedQuantity) {
        String echo = "\"resourceId\":\"" + id + "\",\"quantity\":" + quantity + ",\"dimension\":\"" + dimension
                + "\",\"effectiveStartTime\":\"" + hour.toString().replace("Z", "") + "\",\"planId\":\"basic\"";
        return switch (status) {
            case "Accepted" -> "{\"usageEventId\":\"event-" + dimension + "\",\"status\":\"Accepted\",\"messageTime\":\"2026-01-01T00:00:00Z\"," + echo + "}";
            case "Duplicate" -> "{\"status\":\"Duplicate\",\"messageTime\":\"0001-01-01T00:00:00\",\"error\":{\"additionalInfo\":"
                    + "{\"acceptedMessage\":{\"usageEventId\":\"earlier-" + dimension + "\",\"status\":\"Duplicate\",\"resourceId\":\"" + id
                    + "\",\"quantity\":" + acceptedQuantity + ",\"dimension\":\"" + dimension + "\",\"planId\":\"basic\"}},"
                    + "\"message\":\"This usage event already exist.\",\"code\":\"Conflict\"}," + echo + "}";
            default -> "{\"status\":\"" + status + "\",\"messageTime\":\"2026-01-01T00:00:00Z\",\"error\":{\"message\":\"Something went wrong with "
                    + dimension + "\",\"code\":\"" + status + "\"}," + echo + "}";
        };
    }

    /** Microsoft accepts each event of any batch, echoing it (WireMock fills the answer in from the request). */
    private static MappingBuilder acceptEverything() {
        String items = "jsonPath request.body '$.request'";
        return post(urlPathEqualTo(BATCH)).withId(ACCEPT_EVERYTHING).atPriority(9).willReturn(json(200,
                "{\"count\":{{size (" + items + ")}},\"result\":[{{#each (" + items + ") as |item|}}{{#unless @first}},{{/unless}}"
                        + "{\"usageEventId\":\"{{randomValue type='UUID'}}\",\"status\":\"Accepted\",\"messageTime\":\"{{now}}\","
                        + "\"resourceId\":\"{{item.resourceId}}\",\"quantity\":{{item.quantity}},\"dimension\":\"{{item.dimension}}\","
                        + "\"effectiveStartTime\":\"{{item.effectiveStartTime}}\",\"planId\":\"{{item.planId}}\"}{{/each}}]}")
                .withTransformers("response-template"));
    }

    private StubMapping stub(MappingBuilder mapping) {
        StubMapping stub = MICROSOFT.stubFor(mapping);
        stubs.add(stub);
        return stub;
    }

    private static List<LoggedRequest> batchesOf(String id) {
        return MICROSOFT.findAll(postRequestedFor(urlPathEqualTo(BATCH)).withRequestBody(containing(id)));
    }

    private HttpResponse<String> postUsage(String body) throws Exception {
        return call(port, "POST", "/api/usage", INTEGRATION, body);
    }

    private JsonNode report() throws Exception {
        HttpResponse<String> run = call(port, "POST", "/api/admin/metering/report", OPERATOR, null);
        assertThat(run.statusCode()).as(run.body()).isEqualTo(200);
        return JSON.readTree(run.body());
    }

    private JsonNode usage(String id) throws Exception {
        return read(port, "/api/subscriptions/" + id + "/usage");
    }

    private static JsonNode read(int port, String path) throws Exception {
        HttpResponse<String> answer = call(port, "GET", path, INTEGRATION, null);
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        return JSON.readTree(answer.body());
    }

    private static Map<String, JsonNode> byDimension(JsonNode usage) {
        Map<String, JsonNode> hours = new LinkedHashMap<>();
        usage.path("hours").forEach(hour -> hours.put(hour.path("dimension").asText(), hour));
        return hours;
    }

    private static void assertHour(JsonNode hour, Instant start, String dimension, String quantity, String state) {
        assertThat(hour.path("hourStart").asText()).isEqualTo(start.toString());
        assertThat(hour.path("dimension").asText()).isEqualTo(dimension);
        assertThat(hour.path("quantity").decimalValue()).isEqualByComparingTo(quantity);
        assertThat(hour.path("state").asText()).isEqualTo(state);
    }

    /** The reasons of the dead-lettered messages of marketplace.usage whose body names the subscription. */
    private static List<String> refusedMessagesOf(JmsTemplate jms, String id) {
        List<String> reasons = jms.browse("DLA::DLQ.marketplace.usage", (session, browser) -> {
            List<String> found = new ArrayList<>();
            for (Object message : java.util.Collections.list(browser.getEnumeration())) {
                if (message instanceof TextMessage text && body(text).contains(id)) {
                    found.add(reason(text));
                }
            }
            return found;
        });
        return reasons == null ? List.of() : reasons;
    }

    private static String reason(Message message) {
        try {
            return String.valueOf(message.getStringProperty("bridgeFailureMessage"));
        } catch (JMSException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String body(TextMessage message) {
        try {
            return message.getText();
        } catch (JMSException e) {
            throw new IllegalStateException(e);
        }
    }
}
