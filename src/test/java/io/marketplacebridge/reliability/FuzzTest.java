package io.marketplacebridge.reliability;

import static io.marketplacebridge.Logins.basic;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Issue 20, scenario 7 (docs/reliability.md): generated bodies, headers and query strings against the webhook (with
 * a valid token), the landing page, the registry, the publisher's operations, usage and the dead-letter and
 * reconciliation endpoints (with valid logins). Each try holds to: no {@code 5xx}; every {@code 4xx} is a JSON problem
 * (the landing page's own HTML page there); a {@code 2xx} only for input that is valid, and nothing stored for input
 * that is refused; the bridge is ready after each property. jqwik's {@code jqwik.tries.default} sets the size
 * (src/test/resources/junit-platform.properties: the quick size of {@code ./mvnw verify}); the figures of a run are in
 * {@code target/reliability/fuzz.md}.
 */
class FuzzTest {

    // Quantities read exactly: as doubles, a record of 0.000001 vanished from an hour's total of millions.
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final Pattern GUID = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final int WEBHOOK_LIMIT = 64 * 1024;
    private static final int MAX_REQUEST_LINE = 32 * 1024 - 64;
    private static final List<String> ACTIONS = List.of("ChangePlan", "ChangeQuantity", "Suspend", "Reinstate", "Renew",
            "Unsubscribe", "Subscribe", "Transfer");
    /** Dead-letter queues the fuzz may select from (marketplace.inbound's fills with this test's own notifications). */
    private static final List<String> QUEUES = List.of("crm", "billing", "provisioning", "audit", "marketplace.commands",
            "marketplace.operations", "marketplace.usage", "marketplace.reconcile");
    private static final Map<String, Figures> FIGURES = new ConcurrentHashMap<>();
    /** The usage record ids the bridge has taken: the same id again counts nothing. */
    private static final Set<String> USAGE_IDS = ConcurrentHashMap.newKeySet();

    /** The notifications the broker should have stored by now: a refused one stored late shows at the next check. */
    private static final AtomicLong EXPECTED_STORED = new AtomicLong();

    private static BridgeUnderTest bridge;
    private static String subscription;
    private static Instant started;

    @BeforeContainer
    static void target() throws Exception {
        started = Instant.now();
        bridge = BridgeUnderTest.get();
        subscription = bridge.subscribedSubscription().orElse(null);
        // What earlier tests stored has been counted once the count holds still.
        long[] last = {-1};
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).until(() -> {
            long stored = bridge.notificationsStored();
            boolean still = stored == last[0];
            last[0] = stored;
            return still;
        });
        EXPECTED_STORED.set(last[0]);
    }

    /**
     * How many notifications the try stored, given whether it should have stored one: for one that should not, what
     * the broker counts a moment later (it counts a stored message a moment after it acknowledged it).
     */
    private static long storedByThisTry(boolean shouldStore) throws Exception {
        long before = EXPECTED_STORED.get();
        long stored;
        if (shouldStore) {
            stored = bridge.notificationsStoredReaching(before + 1);
        } else {
            Awaitility.await().pollDelay(Duration.ofMillis(50)).atMost(Duration.ofSeconds(1)).until(() -> true);
            stored = bridge.notificationsStored();
        }
        // A try that stored wrongly fails once, at its own try: the next one counts from what there is.
        EXPECTED_STORED.set(stored);
        return stored - before;
    }

    // ---------------------------------------------------------------- webhook

    @Property
    void webhookStoresOnlyValidNotifications(@ForAll("webhookBodies") Body body, @ForAll("webhookContentTypes") String contentType)
            throws Exception {
        HttpResponse<String> answer = send("webhook bodies", "POST", "/api/webhook", headers("Bearer " + bridge.webhookIssuer().token(),
                contentType), body.text());

        long stored = storedByThisTry(answer.statusCode() / 100 == 2 && validNotification(body.text()));
        boolean jsonUtf8 = contentType == null || contentType.matches("(?i)application/json(;\\s*charset=utf-8)?");
        boolean wrong = answer.statusCode() / 100 == 2 ? !validNotification(body.text()) || stored != 1
                : stored != 0 || body.valid() && jsonUtf8 && body.text().getBytes(StandardCharsets.UTF_8).length <= WEBHOOK_LIMIT;
        storedWrongly("webhook bodies", wrong);
        assertThat(wrong).as("%s with %s: %s, stored %d", body, contentType, answer.statusCode(), stored).isFalse();
    }

    @Property
    void webhookHeadersNeverChangeWhatIsStored(@ForAll("hostileHeaders") Map<String, String> extra) throws Exception {
        String operation = UUID.randomUUID().toString();
        String notification = notification(operation, UUID.randomUUID().toString(), "Renew");
        Map<String, String> headers = headers("Bearer " + bridge.webhookIssuer().token(), "application/json");
        headers.putAll(extra);
        HttpResponse<String> answer = send("webhook headers", "POST", "/api/webhook", headers, notification);

        long stored = storedByThisTry(answer.statusCode() == 200);
        boolean wrong = answer.statusCode() == 200 ? stored != 1 || !answer.body().contains(operation)
                : answer.statusCode() / 100 == 2 || stored != 0;
        storedWrongly("webhook headers", wrong);
        assertThat(wrong).as("%s: %s %s, stored %d", extra, answer.statusCode(), answer.body(), stored).isFalse();
    }

    // ---------------------------------------------------------------- landing

    @Property
    void landingShowsAPageForEveryLink(@ForAll("landingQueries") String query) throws Exception {
        HttpResponse<String> answer = send("landing", "GET", "/landing" + query, Map.of(), null);

        // No generated token is one Microsoft issued: no purchase page, nothing published.
        boolean wrong = answer.statusCode() / 100 == 2 || storedByThisTry(false) != 0;
        storedWrongly("landing", wrong);
        assertThat(wrong).as("%s: %s", query, answer.statusCode()).isFalse();
    }

    // ---------------------------------------------------------------- registry and reads

    @Property
    void readsAnswerEveryPathAndQuery(@ForAll("readPaths") String path) throws Exception {
        HttpResponse<String> answer = send("reads", "GET", path, login(path.startsWith("/api/admin") ? bridge.operator() : bridge.integration()), null);

        storedWrongly("reads", false);
        if (answer.statusCode() == 200) {
            assertThat(JSON.readTree(answer.body()).isObject()).as(path).isTrue();
        }
    }

    // ---------------------------------------------------------------- publisher operations

    @Property
    void publisherOperationsStartNothingForRefusedRequests(@ForAll("operationRequests") Request request) throws Exception {
        String timelineBefore = timeline(request.subscription());

        HttpResponse<String> answer = send("publisher operations", request.method(), request.path(), login(bridge.integration()),
                request.body());

        // Only the tenant-ready callback of the subscription the bridge activated may succeed ("already active").
        boolean allowed = request.path().equals("/api/subscriptions/" + subscription + "/activation");
        boolean wrong = answer.statusCode() / 100 == 2 && !allowed || !timeline(request.subscription()).equals(timelineBefore);
        storedWrongly("publisher operations", wrong);
        assertThat(wrong).as("%s: %s %s", request, answer.statusCode(), answer.body()).isFalse();
    }

    // ---------------------------------------------------------------- usage

    @Property
    void usageCountsOnlyValidRecords(@ForAll("usageBodies") Body body) throws Exception {
        BigDecimal before = usedQuantity();

        HttpResponse<String> answer = send("usage", "POST", "/api/usage", headers(basic(bridge.integration()), "application/json"),
                body.text());

        BigDecimal counted = usedQuantity().subtract(before);
        BigDecimal expected = validUsage(body.text(), answer.statusCode() / 100 == 2);
        boolean wrong = answer.statusCode() / 100 == 2
                ? expected == null || counted.compareTo(expected) != 0
                : counted.signum() != 0 || body.valid();
        storedWrongly("usage", wrong);
        assertThat(wrong).as("%s: %s %s, counted %s", body, answer.statusCode(), answer.body(), counted).isFalse();
    }

    @Property
    void usageHeadersNeverCountTwiceOrWrongly(@ForAll("contentTypes") String contentType, @ForAll("hostileHeaders") Map<String, String> extra)
            throws Exception {
        String record = Inputs.json(usageRecord(BigDecimal.ONE, "api-calls", bridge.meteringNow().atOffset(ZoneOffset.UTC).toString(), null));
        Map<String, String> headers = headers(basic(bridge.integration()), contentType);
        headers.putAll(extra);
        BigDecimal before = usedQuantity();

        HttpResponse<String> answer = send("usage headers", "POST", "/api/usage", headers, record);

        BigDecimal counted = usedQuantity().subtract(before);
        boolean wrong = answer.statusCode() / 100 == 2 ? counted.compareTo(BigDecimal.ONE) != 0 : counted.signum() != 0;
        storedWrongly("usage headers", wrong);
        assertThat(wrong).as("%s %s: %s %s, counted %s", contentType, extra, answer.statusCode(), answer.body(), counted).isFalse();
    }

    // ---------------------------------------------------------------- dead letters and reconciliation

    @Property
    void deadLetterSelectionsTakeNothingTheyDidNotName(@ForAll("adminRequests") Request request) throws Exception {
        String countsBefore = deadLetterCounts();

        HttpResponse<String> answer = send("admin", request.method(), request.path(), headers(basic(bridge.operator()),
                request.body() == null ? null : "application/json"), request.body());

        boolean tookSome = answer.statusCode() == 200 && (JSON.readTree(answer.body()).path("replayed").asInt() > 0
                || JSON.readTree(answer.body()).path("discarded").asInt() > 0);
        boolean wrong = tookSome || !deadLetterCounts().equals(countsBefore);
        storedWrongly("admin", wrong);
        assertThat(wrong).as("%s: %s %s", request, answer.statusCode(), answer.body()).isFalse();
    }

    // ---------------------------------------------------------------- after each property

    @AfterProperty
    void theBridgeIsStillReadyAndStoresAGenuineNotification() throws Exception {
        HttpResponse<String> readiness = Http.send("GET", bridge.url("/actuator/health/readiness"), Map.of(), null);
        HttpResponse<String> genuine = Http.send("POST", bridge.url("/api/webhook"), headers("Bearer " + bridge.webhookIssuer().token(),
                "application/json"), notification(UUID.randomUUID().toString(), UUID.randomUUID().toString(), "Renew")
                .getBytes(StandardCharsets.UTF_8));

        assertThat(readiness.statusCode()).as(readiness.body()).isEqualTo(200);
        assertThat(readiness.body()).contains("\"UP\"");
        assertThat(genuine.statusCode()).as(genuine.body()).isEqualTo(200);
        assertThat(storedByThisTry(true)).as("stored by the genuine notification (more: a refused one was stored)").isEqualTo(1);
    }

    @AfterContainer
    static void writeFigures() throws Exception {
        StringBuilder report = new StringBuilder("| endpoints | sent | 2xx | refused (4xx) | 5xx | stored wrongly |\n|---|---|---|---|---|---|\n");
        Figures total = new Figures();
        FIGURES.forEach((name, figures) -> {
            report.append(figures.row(name));
            total.add(figures);
        });
        report.append(total.row("**all**"));
        report.append("\nTarget: ").append(bridge.describe()).append("; ").append(Duration.between(started, Instant.now()).toSeconds())
                .append(" s; jqwik.tries.default=").append(System.getProperty("jqwik.tries.default", "(junit-platform.properties)")).append('\n');
        Path file = Path.of("target", "reliability", "fuzz.md");
        Files.createDirectories(file.getParent());
        Files.writeString(file, report.toString());
        System.out.println("Fuzz figures (" + file + "):\n" + report);
    }

    // ---------------------------------------------------------------- generators

    /** A body, and whether it was made valid (so it must be taken). */
    record Body(String text, boolean valid) {
        @Override
        public String toString() {
            return (valid ? "valid " : "") + (text.length() > 300 ? text.substring(0, 300) + "… (" + text.length() + " chars)" : text);
        }
    }

    /** A request of the fuzz; {@code subscription} is the one whose timeline it might change. */
    record Request(String method, String path, String body, String subscription) {
    }

    @Provide
    Arbitrary<Body> webhookBodies() {
        Arbitrary<Map<String, Object>> valid = Combinators.combine(Inputs.guid(), Inputs.guid(),
                Arbitraries.oneOf(Arbitraries.of(ACTIONS), Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(20)),
                Arbitraries.maps(Inputs.text(), Inputs.jsonValue()).ofMaxSize(3))
                .as((id, subscriptionId, action, extra) -> {
                    Map<String, Object> body = new LinkedHashMap<>(extra);
                    body.put("id", id);
                    body.put("subscriptionId", subscriptionId);
                    body.put("action", action);
                    body.put("status", "Succeeded");
                    // Never logged (docs/marketplace-contract.md §5.1): LogsHoldNoSecretsTest looks for it.
                    body.put("purchaseToken", "fuzz-purchase-token-" + id);
                    return body;
                });
        Arbitrary<Map<String, Object>> mutated = Combinators.combine(valid, Arbitraries.of("id", "subscriptionId", "action"),
                Inputs.jsonValue(), Arbitraries.of(true, false)).as((body, field, value, remove) -> Inputs.with(body, field, value, remove));
        return Arbitraries.frequencyOf(
                Tuple.of(3, valid.map(body -> new Body(Inputs.json(body), true))),
                Tuple.of(4, mutated.map(body -> new Body(Inputs.json(body), false))),
                Tuple.of(2, Inputs.jsonValue().map(value -> new Body(Inputs.json(value), false))),
                Tuple.of(2, Inputs.malformed(valid.map(Inputs::json)).map(text -> new Body(text, false))),
                Tuple.of(1, Inputs.deeplyNested().map(text -> new Body(text, false))),
                Tuple.of(1, Inputs.huge().map(text -> new Body(text, false))),
                Tuple.of(1, Inputs.text().map(text -> new Body(text, false))));
    }

    @Provide
    Arbitrary<String> webhookContentTypes() {
        return Arbitraries.frequencyOf(Tuple.of(6, Arbitraries.just("application/json")), Tuple.of(4, contentTypes()));
    }

    @Provide
    Arbitrary<String> contentTypes() {
        return Arbitraries.oneOf(Arbitraries.of("application/json", "application/json; charset=utf-8", "application/json;charset=UTF-8",
                "APPLICATION/JSON", "text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                "application/json; charset=utf-16", "application/json; charset=nonsense", "application/json; charset=",
                "application/json; charset=\"", "*/*", "a/b/c", "json", "", ";", "application/problem+json", "application/merge-patch+json"),
                Arbitraries.just(null), Inputs.headerValue());
    }

    @Provide
    Arbitrary<Map<String, String>> hostileHeaders() {
        Arbitrary<String> names = Arbitraries.of("X-Correlation-Id", "Idempotency-Key", "x-ms-requestid", "x-ms-correlationid",
                "JMSXGroupID", "_AMQ_DUPL_ID", "bridgeSubscriptionId", "bridgeOperationId", "bridgeEventId", "CamelHttpResponseCode",
                "CamelHttpUri", "CamelHttpPath", "CamelHttpQuery", "CamelHttpMethod", "Accept", "Accept-Charset", "Accept-Encoding",
                "Content-Encoding", "Cookie", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "Forwarded", "Origin",
                "Referer", "User-Agent", "X-HTTP-Method-Override", "Range", "If-None-Match", "Authorization-Extra", "x-ms-marketplace-token");
        return Arbitraries.maps(names, Inputs.headerValue()).ofMaxSize(4);
    }

    @Provide
    Arbitrary<String> landingQueries() {
        // Marked tokens: LogsHoldNoSecretsTest fails the build if one is ever logged.
        Arbitrary<String> token = Arbitraries.oneOf(Inputs.text(), Arbitraries.strings().withChars("ABCxyz019+/=-_%").ofMaxLength(200),
                Arbitraries.integers().between(8000, 9000).map("A"::repeat), Inputs.guid().map(id -> "fuzz-landing-token-" + id));
        return Arbitraries.frequencyOf(
                Tuple.of(6, token.map(value -> "?token=" + Inputs.encode(value))),
                Tuple.of(2, Combinators.combine(token, Inputs.text(), Inputs.text())
                        .as((value, key, other) -> "?token=" + Inputs.encode(value) + "&" + Inputs.encode(key) + "=" + Inputs.encode(other)
                                + "&token=" + Inputs.encode(other))),
                Tuple.of(1, Inputs.text().map(raw -> "?" + Inputs.encode(raw))),
                Tuple.of(1, Arbitraries.of("", "?", "?token", "?token=", "?token=&token=", "?=x", "?&&&", "?token=%2B%2F%3D")));
    }

    @Provide
    Arbitrary<String> readPaths() {
        Arbitrary<String> id = ids();
        Arbitrary<String> value = Arbitraries.oneOf(Inputs.text(), Arbitraries.integers().map(String::valueOf),
                Arbitraries.of("Subscribed", "PendingFulfillmentStart", "basic", "bridge-offer", "2026-12-01T10:00:00Z", "-1", "0",
                        "1001", "99999999999999999999"));
        Arbitrary<Map<String, String>> listQuery = Arbitraries.maps(Arbitraries.oneOf(
                Arbitraries.of("status", "offerId", "planId", "page", "size", "from", "to", "limit", "subscriptionId"), Inputs.text()), value)
                .ofMaxSize(4);
        return Arbitraries.oneOf(
                listQuery.map(query -> "/api/subscriptions" + Inputs.query(query)),
                id.map(segment -> "/api/subscriptions/" + segment),
                id.map(segment -> "/api/subscriptions/" + segment + "/events"),
                Combinators.combine(id, listQuery).as((segment, query) -> "/api/subscriptions/" + segment + "/usage" + Inputs.query(query)),
                id.map(segment -> "/api/operations/" + segment),
                id.map(segment -> "/api/admin/reconcile/" + segment),
                Combinators.combine(queue(), listQuery).as((queue, query) -> "/api/admin/dead-letters/" + queue + Inputs.query(query)));
    }

    @Provide
    Arbitrary<Request> operationRequests() {
        Arbitrary<String> unknown = Inputs.guid();
        Arbitrary<Object> planBody = Arbitraries.oneOf(Inputs.jsonValue(), Inputs.text().map(plan -> Map.of("planId", plan)),
                Inputs.jsonValue().map(plan -> mapOf("planId", plan)));
        Arbitrary<Object> quantityBody = Arbitraries.oneOf(Inputs.jsonValue(), Inputs.jsonValue().map(quantity -> mapOf("quantity", quantity)),
                Arbitraries.integers().map(quantity -> Map.of("quantity", quantity)));
        Arbitrary<String> raw = Arbitraries.oneOf(Inputs.malformed(Arbitraries.just("{\"planId\":\"pro\"}")), Inputs.deeplyNested(),
                Inputs.huge());
        return Arbitraries.oneOf(
                Combinators.combine(unknown, planBody).as((id, body) -> new Request("POST", "/api/subscriptions/" + id + "/plan", Inputs.json(body), id)),
                Combinators.combine(unknown, quantityBody).as((id, body) -> new Request("POST", "/api/subscriptions/" + id + "/quantity", Inputs.json(body), id)),
                Combinators.combine(unknown, raw, Arbitraries.of("plan", "quantity"))
                        .as((id, body, what) -> new Request("POST", "/api/subscriptions/" + id + "/" + what, body, id)),
                Combinators.combine(unknownIds(), Arbitraries.of("plan", "quantity", "activation"), Inputs.jsonValue())
                        .as((segment, what, body) -> new Request("POST", "/api/subscriptions/" + segment + "/" + what, Inputs.json(body), segment)),
                unknown.map(id -> new Request("DELETE", "/api/subscriptions/" + id, null, id)),
                unknownIds().map(segment -> new Request("DELETE", "/api/subscriptions/" + segment, null, segment)),
                Inputs.jsonValue().map(body -> new Request("POST", "/api/subscriptions/" + subscription + "/activation", Inputs.json(body),
                        subscription)));
    }

    @Provide
    Arbitrary<Body> usageBodies() {
        Instant now = bridge.meteringNow();
        Arbitrary<String> validTime = Arbitraries.of(ZoneOffset.UTC, ZoneOffset.ofHours(2), ZoneOffset.ofHoursMinutes(-5, -30), ZoneOffset.ofHours(14))
                .map(offset -> now.atOffset(offset).toString());
        Arbitrary<BigDecimal> validQuantity = Arbitraries.bigDecimals().between(new BigDecimal("0.000001"), new BigDecimal("1000000")).ofScale(6);
        Arbitrary<Map<String, Object>> valid = Combinators.combine(validQuantity, Arbitraries.of("api-calls", "storage-gb", "messages"), validTime)
                .as((quantity, dimension, time) -> usageRecord(quantity, dimension, time, UUID.randomUUID().toString()));
        Arbitrary<Map<String, Object>> mutated = Combinators.combine(valid,
                Arbitraries.of("subscriptionId", "dimension", "quantity", "timestamp", "planId", "id"),
                Arbitraries.oneOf(Inputs.jsonValue(), Arbitraries.of(0, -1, new BigDecimal("1e40"), new BigDecimal("0.0000000000000000001"),
                        now.plusSeconds(3600).toString(), now.minusSeconds(30 * 3600).toString(), "2026-12-01T10:00:00",
                        UUID.randomUUID().toString())),
                Arbitraries.of(true, false)).as((record, field, value, remove) -> Inputs.with(record, field, value, remove));
        return Arbitraries.frequencyOf(
                Tuple.of(3, valid.list().ofMinSize(1).ofMaxSize(4).map(records -> new Body(Inputs.json(records.size() == 1 ? records.get(0) : records), true))),
                Tuple.of(4, Combinators.combine(valid.list().ofMaxSize(3), mutated).as((records, bad) -> {
                    List<Object> list = new ArrayList<>(records);
                    list.add(bad);
                    return new Body(Inputs.json(list.size() == 1 ? bad : list), false);
                })),
                Tuple.of(1, Inputs.jsonValue().map(value -> new Body(Inputs.json(value), false))),
                Tuple.of(1, Inputs.malformed(valid.map(Inputs::json)).map(text -> new Body(text, false))),
                Tuple.of(1, Inputs.deeplyNested().map(text -> new Body(text, false))),
                Tuple.of(1, Inputs.huge().map(text -> new Body(text, false))));
    }

    @Provide
    Arbitrary<Request> adminRequests() {
        Arbitrary<Map<String, String>> selection = Arbitraries.maps(Arbitraries.oneOf(
                Arbitraries.of("messageId", "subscriptionId", "all", "reason", "limit"), Inputs.text()),
                Arbitraries.oneOf(Inputs.text(), Inputs.guid(), Inputs.guid().map(id -> "ID:" + id), Arbitraries.of("false", "1", "yes")))
                .ofMaxSize(4).filter(FuzzTest::selectsNoWholeQueue);
        Arbitrary<String> body = Arbitraries.oneOf(Arbitraries.just(null), Inputs.jsonValue().map(Inputs::json),
                Combinators.combine(Inputs.text().list().ofMaxSize(3), Inputs.text())
                        .as((ids, subscriptionId) -> Inputs.json(Map.of("messageIds", ids, "subscriptionId", subscriptionId))),
                Inputs.malformed(Arbitraries.just("{\"messageIds\":[\"ID:1\"]}")), Inputs.deeplyNested())
                .filter(json -> json == null || !json.replace(" ", "").contains("\"all\":true"));
        return Arbitraries.oneOf(
                Combinators.combine(queue(), selection, body).as((queue, query, json) ->
                        new Request("POST", "/api/admin/dead-letters/" + queue + "/replay" + Inputs.query(query), json, null)),
                Combinators.combine(queue(), selection, body).as((queue, query, json) ->
                        new Request("DELETE", "/api/admin/dead-letters/" + queue + Inputs.query(query), json, null)));
    }

    private static boolean selectsNoWholeQueue(Map<String, String> query) {
        return query.entrySet().stream().noneMatch(entry -> entry.getKey().trim().equalsIgnoreCase("all")
                && entry.getValue().trim().equalsIgnoreCase("true"));
    }

    /** Path segments: GUIDs (unknown, or the bridge's subscription where only reading) and any text, encoded. */
    private Arbitrary<String> ids() {
        return Arbitraries.frequencyOf(Tuple.of(2, Inputs.guid()), Tuple.of(1, Arbitraries.just(subscription == null ? "x" : subscription)),
                Tuple.of(4, Inputs.text().map(Inputs::encode)));
    }

    /** Path segments for changes: never the bridge's subscription, for which a change may well be valid. */
    private Arbitrary<String> unknownIds() {
        return Arbitraries.frequencyOf(Tuple.of(2, Inputs.guid()), Tuple.of(4, Inputs.text().map(Inputs::encode)))
                .filter(segment -> !segment.equalsIgnoreCase(String.valueOf(subscription)));
    }

    private static Arbitrary<String> queue() {
        return Arbitraries.oneOf(Arbitraries.of(QUEUES), Inputs.text().map(Inputs::encode));
    }

    // ---------------------------------------------------------------- oracles: what the documented rules allow

    /** README, webhook-intake: a JSON object within the limit with GUID {@code id} and {@code subscriptionId} and an action. */
    private static boolean validNotification(String body) {
        if (body.getBytes(StandardCharsets.UTF_8).length > WEBHOOK_LIMIT) {
            return false;
        }
        try {
            JsonNode json = JSON.readTree(body);
            return json != null && json.isObject() && GUID.matcher(json.path("id").asText("")).matches() && json.get("id").isTextual()
                    && json.path("subscriptionId").isTextual() && GUID.matcher(json.get("subscriptionId").asText()).matches()
                    && json.path("action").isTextual() && !json.get("action").asText().isBlank();
        } catch (Exception e) {
            return false;
        }
    }

    /**
     * docs/architecture.md §14: the total a usage body adds when every record is one the bridge may report (its
     * subscription, a dimension, a quantity above zero, a timestamp with its offset that is not in the future and
     * not older than 24 hours), else null.
     */
    private static BigDecimal validUsage(String body, boolean taken) {
        try {
            JsonNode json = JSON.readTree(body);
            List<JsonNode> records = new ArrayList<>();
            if (json.isArray()) {
                json.forEach(records::add);
            } else {
                records.add(json);
            }
            BigDecimal total = BigDecimal.ZERO;
            Instant now = bridge.meteringNow();
            Set<String> ids = new HashSet<>();
            for (JsonNode record : records) {
                Instant time = OffsetDateTime.parse(record.path("timestamp").asText()).toInstant();
                BigDecimal quantity = record.path("quantity").decimalValue();
                if (!record.isObject() || !subscription.equals(record.path("subscriptionId").asText()) || !record.path("quantity").isNumber()
                        || quantity.signum() <= 0 || !record.path("dimension").isTextual() || record.path("dimension").asText().isBlank()
                        || time.isAfter(now.plusSeconds(60)) || time.isBefore(now.minusSeconds(24 * 3600))) {
                    return null;
                }
                // A record id counts once, in the list and across lists (README, metering).
                String id = record.path("id").isValueNode() && !record.path("id").isNull() ? record.path("id").asText() : null;
                if (id == null || !USAGE_IDS.contains(id) && ids.add(id)) {
                    total = total.add(quantity);
                }
            }
            if (taken) {
                USAGE_IDS.addAll(ids);
            }
            return records.isEmpty() ? null : total;
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
    }

    // ---------------------------------------------------------------- helpers

    /** Sends the request and checks what every answer must be: no 5xx, a JSON problem (or the landing's page) for a 4xx. */
    private static HttpResponse<String> send(String endpoints, String method, String path, Map<String, String> headers, String body)
            throws Exception {
        HttpResponse<String> answer = Http.send(method, bridge.url(path), headers, body == null ? null : body.getBytes(StandardCharsets.UTF_8));
        FIGURES.computeIfAbsent(endpoints, name -> new Figures()).count(answer.statusCode());
        String contentType = answer.headers().firstValue("Content-Type").orElse("");
        assertThat(answer.statusCode()).as("%s %s: %s", method, path, answer.body()).isLessThan(500);
        if (answer.statusCode() / 100 == 4) {
            // A request line longer than server.max-http-request-header-size has no path Tomcat could read: the
            // landing page's own page answers it, whatever the path (README, "Configuration").
            if (path.startsWith("/landing") || answer.statusCode() == 400 && path.length() > MAX_REQUEST_LINE) {
                assertThat(contentType).as("%s %s", method, path).startsWith("text/html");
            } else {
                assertThat(contentType).as("%s %s: %s", method, path, answer.body()).isEqualTo("application/problem+json");
                assertThat(JSON.readTree(answer.body()).path("status").asInt()).as(answer.body()).isEqualTo(answer.statusCode());
            }
        }
        return answer;
    }

    private static void storedWrongly(String endpoints, boolean wrong) {
        if (wrong) {
            FIGURES.computeIfAbsent(endpoints, name -> new Figures()).storedWrongly.incrementAndGet();
        }
    }

    private static Map<String, String> headers(String authorization, String contentType) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Authorization", authorization);
        headers.put("Content-Type", contentType);
        return headers;
    }

    private static Map<String, String> login(String credentials) {
        return headers(basic(credentials), null);
    }

    private static Map<String, Object> mapOf(String key, Object value) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put(key, value);
        return map;
    }

    private static String notification(String operation, String subscriptionId, String action) {
        return Inputs.json(Map.of("id", operation, "subscriptionId", subscriptionId, "action", action, "status", "Succeeded"));
    }

    private static Map<String, Object> usageRecord(BigDecimal quantity, String dimension, String timestamp, String id) {
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("subscriptionId", subscription);
        record.put("dimension", dimension);
        record.put("quantity", quantity);
        record.put("timestamp", timestamp);
        if (id != null) {
            record.put("id", id);
        }
        return record;
    }

    private static BigDecimal usedQuantity() throws Exception {
        HttpResponse<String> usage = Http.send("GET", bridge.url("/api/subscriptions/" + subscription + "/usage"), login(bridge.integration()), null);
        BigDecimal total = BigDecimal.ZERO;
        for (JsonNode hour : JSON.readTree(usage.body()).path("hours")) {
            total = total.add(hour.path("quantity").decimalValue());
        }
        return total;
    }

    private static String timeline(String subscriptionId) throws Exception {
        if (subscriptionId == null || !GUID.matcher(subscriptionId).matches()) {
            return "";
        }
        return JSON.readTree(Http.send("GET", bridge.url("/api/subscriptions/" + subscriptionId + "/events"), login(bridge.integration()), null)
                .body()).path("events").toString();
    }

    private static String deadLetterCounts() throws Exception {
        JsonNode queues = JSON.readTree(Http.send("GET", bridge.url("/api/admin/dead-letters"), login(bridge.operator()), null).body()).path("queues");
        StringBuilder counts = new StringBuilder();
        for (JsonNode queue : queues) {
            if (QUEUES.contains(queue.path("queue").asText())) {
                counts.append(queue.path("queue").asText()).append('=').append(queue.path("messages").asLong()).append(' ');
            }
        }
        return counts.toString();
    }

    /** Counts of one group of endpoints. */
    static final class Figures {
        final AtomicLong sent = new AtomicLong();
        final AtomicLong success = new AtomicLong();
        final AtomicLong refused = new AtomicLong();
        final AtomicLong serverErrors = new AtomicLong();
        final AtomicLong storedWrongly = new AtomicLong();

        void count(int status) {
            sent.incrementAndGet();
            (status >= 500 ? serverErrors : status >= 400 ? refused : success).incrementAndGet();
        }

        void add(Figures other) {
            sent.addAndGet(other.sent.get());
            success.addAndGet(other.success.get());
            refused.addAndGet(other.refused.get());
            serverErrors.addAndGet(other.serverErrors.get());
            storedWrongly.addAndGet(other.storedWrongly.get());
        }

        String row(String name) {
            return "| " + name + " | " + sent + " | " + success + " | " + refused + " | " + serverErrors + " | " + storedWrongly + " |\n";
        }
    }
}
