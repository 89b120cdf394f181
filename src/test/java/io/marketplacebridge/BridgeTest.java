package io.marketplacebridge;

import static io.marketplacebridge.Logins.basic;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import io.marketplacebridge.webhook.MicrosoftWebhook;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.Message;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jms.core.JmsTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.context.bean.override.convention.TestBean;

/**
 * The shared test set-up: the whole bridge on a random port with the real embedded Artemis broker, and the
 * systems it cannot reach here (Microsoft's Fulfillment API, the publisher's provisioning, billing and CRM) as
 * WireMock servers on real sockets. The servers are started once per JVM, so every test class that extends this
 * one gets the same Spring context (and broker). Tests isolate themselves with fresh subscription ids.
 */
@CamelSpringBootTest
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestPropertySource(locations = "classpath:bridge-test.properties")
public abstract class BridgeTest {

    /** Microsoft: Fulfillment API under {@code /api}, Entra ID token endpoint under {@code /{tenant}/oauth2}. */
    public static final WireMockServer MICROSOFT = start();
    /** The publisher's systems: {@code POST /provisioning}, {@code /billing}, {@code /crm} (CRM in http mode). */
    public static final WireMockServer PUBLISHER = startPublisher();
    /** The publisher's Salesforce org: OAuth at {@code /services/oauth2/token}, REST API under {@code /services/data}. */
    public static final WireMockServer SALESFORCE = startSalesforce();

    /** The broker journal of this JVM's shared context: fresh for every run. */
    public static final Path BROKER_DIR = Path.of("target", "test-broker", UUID.randomUUID().toString());

    /**
     * The PostgreSQL database the store's tests run on when {@code BRIDGE_TEST_POSTGRES_URL} is set (.ci/run sets it;
     * README "Development" says how to run it locally), or null: the embedded store.
     */
    public static final String POSTGRES_URL = System.getenv("BRIDGE_TEST_POSTGRES_URL");

    /**
     * The shared context's metering clock (bean {@code meteringClock}): which hours are closed, due or too old. A
     * test sets it where it needs it, never backwards past another test's hours (MeteringFlowTest moves it days ahead).
     */
    public static final MutableClock METERING_CLOCK = new MutableClock(Instant.now());

    @TestBean(name = "meteringClock")
    Clock meteringClock;

    static Clock meteringClock() {
        return METERING_CLOCK;
    }

    /** Points the bridge at the WireMock servers, and its store at PostgreSQL when the tests have one. */
    @DynamicPropertySource
    static void wireMockServers(DynamicPropertyRegistry registry) {
        externalSystems().forEach((key, value) -> registry.add(key, () -> value));
        registry.add("bridge.broker.data-dir", BROKER_DIR::toString);
        if (POSTGRES_URL != null && !POSTGRES_URL.isBlank()) {
            postgresStore("shared_" + UUID.randomUUID().toString().replace("-", "")).forEach((key, value) -> registry.add(key, () -> value));
        }
    }

    /** Settings that put the store in a schema of its own (created by Flyway) of the tests' PostgreSQL database. */
    public static Map<String, String> postgresStore(String schema) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("bridge.store.url", POSTGRES_URL + (POSTGRES_URL.contains("?") ? "&" : "?") + "currentSchema=" + schema);
        settings.put("spring.flyway.schemas", schema);
        return settings;
    }

    /**
     * Where the test application finds the systems it cannot reach here: the WireMock servers. A test that starts
     * applications of its own (BrokerDurabilityTest) uses the same settings.
     */
    public static Map<String, String> externalSystems() {
        Map<String, String> urls = new LinkedHashMap<>();
        urls.put("bridge.marketplace.api-url", MICROSOFT.baseUrl() + "/api");
        urls.put("bridge.provisioning.url", PUBLISHER.baseUrl() + "/provisioning");
        urls.put("bridge.billing.url", PUBLISHER.baseUrl() + "/billing");
        urls.put("bridge.crm.url", PUBLISHER.baseUrl() + "/crm");
        urls.put("bridge.salesforce.login-url", SALESFORCE.baseUrl());
        urls.putAll(MicrosoftWebhook.settings(MICROSOFT, PUBLISHER));
        return urls;
    }

    /** Every setting of the test application but the broker's data directory. */
    public static Map<String, String> applicationSettings() throws IOException {
        Properties file = new Properties();
        try (InputStream in = BridgeTest.class.getResourceAsStream("/bridge-test.properties")) {
            file.load(in);
        }
        Map<String, String> settings = new LinkedHashMap<>();
        file.forEach((key, value) -> settings.put((String) key, (String) value));
        settings.putAll(externalSystems());
        return settings;
    }

    /**
     * Starts a whole application of its own, on a random port, with the test settings, its own broker journal in
     * {@code dataDir} and these settings on top: for a test that restarts the bridge, stops its broker or advises
     * its routes, which the shared context must not see. Two brokers cannot share a journal.
     */
    public static ConfigurableApplicationContext startApplication(Path dataDir, String name, Map<String, String> overrides)
            throws IOException {
        Map<String, String> settings = applicationSettings();
        settings.put("server.port", "0");
        settings.put("camel.main.name", name);
        settings.put("bridge.broker.data-dir", dataDir.toString());
        settings.putAll(overrides);
        String[] args = settings.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue()).toArray(String[]::new);
        return new SpringApplicationBuilder(MarketplaceBridgeApplication.class).run(args);
    }

    /**
     * Starts a bridge of its own with the {@code simulated} profile (config/application-simulated.yaml), its
     * Microsoft and publisher's systems a standalone simulator at {@code simulatorUrl} instead of the WireMock
     * servers: the test settings but their token, on {@code port}, with its own broker journal in {@code dataDir}.
     */
    public static ConfigurableApplicationContext startSimulatedApplication(Path dataDir, String name, int port,
            String simulatorUrl) throws IOException {
        Properties file = new Properties();
        try (InputStream in = BridgeTest.class.getResourceAsStream("/bridge-test.properties")) {
            file.load(in);
        }
        Map<String, String> settings = new LinkedHashMap<>();
        file.forEach((key, value) -> settings.put((String) key, (String) value));
        settings.remove("bridge.marketplace.auth.static-token");
        settings.put("spring.profiles.active", "simulated");
        settings.put("bridge.simulator.url", simulatorUrl);
        settings.put("server.port", String.valueOf(port));
        settings.put("camel.main.name", name);
        settings.put("bridge.broker.data-dir", dataDir.toString());
        String[] args = settings.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue()).toArray(String[]::new);
        return new SpringApplicationBuilder(MarketplaceBridgeApplication.class).run(args);
    }

    /** The HTTP port of an application started with {@link #startApplication}. */
    public static int port(ConfigurableApplicationContext application) {
        return Integer.parseInt(application.getEnvironment().getProperty("local.server.port"));
    }

    /** A fresh subscription id (a GUID, as Microsoft's). */
    public static String newSubscriptionId() {
        return UUID.randomUUID().toString();
    }

    /** Get Subscription (3.4) answers with this subscription. */
    public static void stubSubscription(String subscriptionId, String status, String planId, Integer quantity) {
        MICROSOFT.stubFor(get(urlPathEqualTo("/api/saas/subscriptions/" + subscriptionId))
                .atPriority(5)
                .willReturn(json(200, subscriptionJson(subscriptionId, status, planId, quantity, "tenant-a", "tenant-a"))));
    }

    /** A subscription as Get Subscription returns it; purchaser and beneficiary differ for CSP purchases. */
    public static String subscriptionJson(String id, String status, String planId, Integer quantity,
            String purchaserTenant, String beneficiaryTenant) {
        return """
                {"id":"%s","name":"Fabrikam HR","publisherId":"contoso","offerId":"bridge-offer","planId":"%s",%s
                 "saasSubscriptionStatus":"%s","autoRenew":true,"isFreeTrial":false,"allowedCustomerOperations":["Read","Update","Delete"],
                 "purchaser":{"emailId":"buyer@%s.example","objectId":"o-1","tenantId":"%s","puid":"1"},
                 "beneficiary":{"emailId":"user@%s.example","objectId":"o-2","tenantId":"%s","puid":"2"},
                 "term":{"startDate":"2026-11-01","endDate":"2026-11-30","termUnit":"P1M"},"futureField":{"x":1}}
                """.formatted(id, planId, quantity == null ? "" : "\"quantity\":" + quantity + ",", status,
                purchaserTenant, purchaserTenant, beneficiaryTenant, beneficiaryTenant);
    }

    /** Resolve (3.1) answers for this decoded token with the subscription. */
    public static MappingBuilder resolve(String decodedToken) {
        return post(urlPathEqualTo("/api/saas/subscriptions/resolve"))
                .withHeader("x-ms-marketplace-token", equalTo(decodedToken));
    }

    /** What Resolve (3.1) answers for a fresh purchase of {@code basic} × 10. */
    public static String resolved(String id) {
        return "{\"id\":\"" + id + "\",\"subscriptionName\":\"Fabrikam HR\",\"offerId\":\"bridge-offer\",\"planId\":\"basic\","
                + "\"quantity\":10,\"subscription\":" + subscriptionJson(id, "PendingFulfillmentStart", "basic", 10, "tenant-a", "tenant-a") + "}";
    }

    /** Microsoft's side of a purchase of {@code basic} × 10: pending until activate is called, Subscribed after. */
    public static void stubPendingThenSubscribedAfterActivation(String id) {
        String scenario = "activation-" + id;
        MICROSOFT.stubFor(get(urlPathEqualTo("/api/saas/subscriptions/" + id)).inScenario(scenario)
                .whenScenarioStateIs(Scenario.STARTED)
                .willReturn(json(200, subscriptionJson(id, "PendingFulfillmentStart", "basic", 10, "tenant-a", "tenant-a"))));
        MICROSOFT.stubFor(post(urlPathEqualTo("/api/saas/subscriptions/" + id + "/activate")).inScenario(scenario)
                .willReturn(aResponse().withStatus(200)).willSetStateTo("active"));
        MICROSOFT.stubFor(get(urlPathEqualTo("/api/saas/subscriptions/" + id)).inScenario(scenario)
                .whenScenarioStateIs("active")
                .willReturn(json(200, subscriptionJson(id, "Subscribed", "basic", 10, "tenant-a", "tenant-a"))));
    }

    /** A buyer opens the landing page of a fresh purchase {@code id}: 200 once Microsoft is stubbed for it. */
    public static HttpResponse<String> purchase(int port, String id) throws Exception {
        MICROSOFT.stubFor(resolve("token-" + id).willReturn(json(200, resolved(id))));
        stubPendingThenSubscribedAfterActivation(id);
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + port + "/landing?token=token-" + id)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The publisher's {@code path} answers {@code status} to the first request about {@code subscriptionId}, then 201. */
    public static void failsOnceThenAccepts(String path, String subscriptionId, int status) {
        String scenario = path + "-" + subscriptionId;
        PUBLISHER.stubFor(post(urlPathEqualTo(path)).withRequestBody(containing(subscriptionId)).atPriority(1)
                .inScenario(scenario).whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(status)).willSetStateTo("up"));
        PUBLISHER.stubFor(post(urlPathEqualTo(path)).withRequestBody(containing(subscriptionId)).atPriority(1)
                .inScenario(scenario).whenScenarioStateIs("up").willReturn(aResponse().withStatus(201)));
    }

    /**
     * The dead letters of a consumer queue for one subscription, read without consuming them. Pass the
     * {@code unbufferedConnectionFactory}: through a consumer window a browse ends with whatever its buffer holds at
     * that moment, and an empty answer would prove nothing.
     */
    public static List<Message> deadLetters(ConnectionFactory connectionFactory, String queue, String subscriptionId) {
        JmsTemplate jms = new JmsTemplate(connectionFactory);
        return jms.browseSelected("DLA::DLQ." + queue, "bridgeSubscriptionId = '" + subscriptionId + "'",
                (session, browser) -> Collections.list(browser.getEnumeration()).stream().map(Message.class::cast).toList());
    }

    /**
     * An HTTP call to an application of the tests, logged in with HTTP Basic {@code credentials}
     * ({@code user:password}) when given, with a JSON body when given.
     */
    public static HttpResponse<String> call(int port, String method, String path, String credentials, String json)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        if (credentials != null) {
            request.header("Authorization", basic(credentials));
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A JSON response. */
    public static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder json(int status, String body) {
        return aResponse().withStatus(status).withHeader("Content-Type", "application/json").withBody(body);
    }

    /** Provisioning, billing and the CRM take every event unless a test stubs another answer for its subscription. */
    private static WireMockServer startPublisher() {
        WireMockServer server = start();
        server.stubFor(post(urlPathEqualTo("/provisioning")).atPriority(9).willReturn(aResponse().withStatus(200)));
        server.stubFor(post(urlPathEqualTo("/billing")).atPriority(9).willReturn(aResponse().withStatus(200)));
        server.stubFor(post(urlPathEqualTo("/crm")).atPriority(9).willReturn(aResponse().withStatus(200)));
        return server;
    }

    /** Salesforce grants a token by client credentials, on this server as instance, and takes every upsert. */
    private static WireMockServer startSalesforce() {
        WireMockServer server = start();
        server.stubFor(post(urlPathEqualTo("/services/oauth2/token")).atPriority(9).willReturn(json(200, """
                {"access_token":"salesforce-test-token","instance_url":"%s","id":"%s/id/00D000000000001AAA/005000000000001AAA",
                 "token_type":"Bearer","issued_at":"1767225600000","signature":"c2lnbmF0dXJl"}
                """.formatted(server.baseUrl(), server.baseUrl()))));
        server.stubFor(com.github.tomakehurst.wiremock.client.WireMock.patch(
                com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching("/services/data/v[0-9.]+/sobjects/.*"))
                .atPriority(9).willReturn(json(201, "{\"id\":\"a00000000000001AAA\",\"success\":true,\"errors\":[],\"created\":true}")));
        return server;
    }

    private static WireMockServer start() {
        WireMockServer server = new WireMockServer(options().dynamicPort().containerThreads(20));
        server.start();
        // Anything a test did not stub is a 404, like an unknown path at the real service.
        server.stubFor(any(anyUrl()).atPriority(10).willReturn(aResponse().withStatus(404)));
        return server;
    }
}
