package io.marketplacebridge.reliability;

import static io.marketplacebridge.Logins.basic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import io.marketplacebridge.BridgeTest;
import io.marketplacebridge.broker.BrokerTopology;
import io.marketplacebridge.webhook.MicrosoftWebhook;
import io.marketplacebridge.webhook.WebhookJwtVerifier;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.test.context.TestContextManager;

/**
 * The bridge a reliability test aims at (docs/reliability.md): the shared test context of {@link BridgeTest} (the
 * default, Microsoft and the publisher's systems on WireMock), or a bridge running as its own process when
 * {@code -Dbridge.target.url} is set. Everything a test needs from it goes through here: where it is, the operator's
 * and the integration's logins, Microsoft's webhook tokens, and how many notifications its broker has stored.
 *
 * <p>A process target takes {@code bridge.target.url}, {@code bridge.target.operator} and
 * {@code bridge.target.integration} ({@code user:password}), {@code bridge.target.webhook-tenant} and
 * {@code bridge.target.webhook-audience} (its {@code bridge.webhook.tenant-id} and {@code .audience}),
 * {@code bridge.target.webhook-key} (a JSON file with the private RSA key, with its {@code kid}, whose public half the
 * bridge's {@code bridge.webhook.jwks-uri} serves) and optionally {@code bridge.target.subscription-id} (a
 * {@code Subscribed} subscription the bridge knows, for usage). It counts stored notifications through Jolokia with
 * the operator's login.
 */
public interface BridgeUnderTest {

    /** The target the system properties name, or the shared test context. */
    static BridgeUnderTest get() {
        String url = System.getProperty("bridge.target.url", "");
        return url.isBlank() ? InContext.shared() : Process.fromSystemProperties(url);
    }

    /** What the figures are measured against, for the report. */
    String describe();

    /** The bridge's address with this path and query (already encoded). */
    URI url(String pathAndQuery);

    /** The operator's login, {@code user:password}. */
    String operator();

    /** The publisher's systems' login, {@code user:password}. */
    String integration();

    /** Who signs Microsoft's webhook tokens for this bridge, and what they must claim. */
    WebhookIssuer webhookIssuer();

    /** How many messages marketplace.inbound has ever taken (Artemis' {@code MessagesAdded}): stored notifications. */
    long notificationsStored() throws Exception;

    /**
     * The stored notifications once they are at least {@code expected}, or after 5 s: Artemis counts a message a
     * moment after it acknowledged its send (the bridge's {@code 200}), on the queue's own thread.
     */
    default long notificationsStoredReaching(long expected) throws Exception {
        try {
            Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10))
                    .until(this::notificationsStored, stored -> stored >= expected);
        } catch (ConditionTimeoutException tooFew) {
            // The caller compares what there is with what it expected.
        }
        return notificationsStored();
    }

    /** A {@code Subscribed} subscription the bridge's registry knows, where the target has one. */
    Optional<String> subscribedSubscription() throws Exception;

    /** "Now" for the bridge's metering (usage older than 24 hours or in the future is refused). */
    Instant meteringNow();

    /** The shared context of {@link BridgeTest}, reached as any test class of it would be. */
    final class InContext implements BridgeUnderTest {

        private static InContext shared;

        private final ApplicationContext context;
        private final int port;
        private String subscription;

        private InContext(ApplicationContext context) {
            this.context = context;
            this.port = Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
        }

        static synchronized InContext shared() {
            if (shared == null) {
                try {
                    // The same configuration as every BridgeTest class, so Spring's context cache hands out the one
                    // context (and broker) they share rather than starting another on the same journal.
                    TestContextManager manager = new TestContextManager(Context.class);
                    shared = new InContext(manager.getTestContext().getApplicationContext());
                } catch (Exception e) {
                    throw new IllegalStateException("The shared test context did not start", e);
                }
            }
            return shared;
        }

        @Override
        public String describe() {
            return "the shared test context (BridgeTest: embedded Artemis, "
                    + (BridgeTest.POSTGRES_URL == null ? "H2" : "PostgreSQL") + ", Microsoft on WireMock)";
        }

        @Override
        public URI url(String pathAndQuery) {
            return URI.create("http://localhost:" + port + pathAndQuery);
        }

        @Override
        public String operator() {
            return context.getEnvironment().getProperty("bridge.admin.username") + ":"
                    + context.getEnvironment().getProperty("bridge.admin.password");
        }

        @Override
        public String integration() {
            return context.getEnvironment().getProperty("bridge.integration.username") + ":"
                    + context.getEnvironment().getProperty("bridge.integration.password");
        }

        @Override
        public WebhookIssuer webhookIssuer() {
            return new WebhookIssuer(MicrosoftWebhook.TENANT, MicrosoftWebhook.AUDIENCE, MicrosoftWebhook.ENTRA_KEY);
        }

        @Override
        public long notificationsStored() {
            return context.getBean(EmbeddedActiveMQ.class).getActiveMQServer().locateQueue(BrokerTopology.INBOUND).getMessagesAdded();
        }

        /** A purchase landed and activated (Microsoft stubbed on WireMock), once per run. */
        @Override
        public synchronized Optional<String> subscribedSubscription() throws Exception {
            if (subscription == null) {
                String id = BridgeTest.newSubscriptionId();
                if (BridgeTest.purchase(port, id).statusCode() != 200) {
                    throw new IllegalStateException("The purchase of " + id + " did not land");
                }
                // Settled: Purchased and Activated, each delivered to all four systems, so that nothing changes the
                // registry while a test compares it before and after.
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                    String events = BridgeTest.call(port, "GET", "/api/subscriptions/" + id + "/events", integration(), null).body();
                    return events.contains("\"Activated\"") && events.split("\"outcome\":\"delivered\"", -1).length - 1 == 8;
                });
                subscription = id;
                // Usage counts from the activation on: the shared metering clock moves up to it if it is behind.
                Instant activated = Instant.now().plusSeconds(1);
                if (BridgeTest.METERING_CLOCK.instant().isBefore(activated)) {
                    BridgeTest.METERING_CLOCK.set(activated);
                }
            }
            return Optional.of(subscription);
        }

        @Override
        public Instant meteringNow() {
            return BridgeTest.METERING_CLOCK.instant();
        }

        /** Holds the shared configuration; never run itself. */
        static class Context extends BridgeTest {
            @LocalServerPort
            int port;
        }
    }

    /** A bridge running as its own process, named by system properties. */
    final class Process implements BridgeUnderTest {

        private static final ObjectMapper JSON = new ObjectMapper();
        private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

        private final String base;
        private final String operator;
        private final String integration;
        private final WebhookIssuer issuer;
        private final String subscription;

        private Process(String base, String operator, String integration, WebhookIssuer issuer, String subscription) {
            this.base = base.replaceAll("/+$", "");
            this.operator = operator;
            this.integration = integration;
            this.issuer = issuer;
            this.subscription = subscription;
        }

        static Process fromSystemProperties(String url) {
            try {
                JWK key = JWK.parse(Files.readString(Path.of(required("bridge.target.webhook-key")), StandardCharsets.UTF_8));
                return new Process(url, required("bridge.target.operator"), required("bridge.target.integration"),
                        new WebhookIssuer(required("bridge.target.webhook-tenant"), required("bridge.target.webhook-audience"),
                                key.toRSAKey()),
                        System.getProperty("bridge.target.subscription-id", ""));
            } catch (Exception e) {
                throw new IllegalStateException("bridge.target.url is set but the target is incomplete: " + e.getMessage(), e);
            }
        }

        private static String required(String property) {
            String value = System.getProperty(property, "");
            if (value.isBlank()) {
                throw new IllegalStateException("set -D" + property);
            }
            return value;
        }

        @Override
        public String describe() {
            return "the bridge as its own process at " + base;
        }

        @Override
        public URI url(String pathAndQuery) {
            return URI.create(base + pathAndQuery);
        }

        @Override
        public String operator() {
            return operator;
        }

        @Override
        public String integration() {
            return integration;
        }

        @Override
        public WebhookIssuer webhookIssuer() {
            return issuer;
        }

        /** Jolokia's read of the queue's MBean, whatever the broker's name. */
        @Override
        public long notificationsStored() throws Exception {
            String mbean = "org.apache.activemq.artemis:broker=*,component=addresses,address=\"" + BrokerTopology.INBOUND
                    + "\",subcomponent=queues,routing-type=\"anycast\",queue=\"" + BrokerTopology.INBOUND + "\"";
            String request = JSON.writeValueAsString(Map.of("type", "read", "mbean", mbean, "attribute", "MessagesAdded"));
            HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(url("/actuator/jolokia"))
                    .header("Authorization", basic(operator))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(request)).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode value = JSON.readTree(answer.body()).path("value");
            Iterator<JsonNode> brokers = value.elements();
            if (answer.statusCode() != 200 || !brokers.hasNext()) {
                throw new IllegalStateException("Jolokia did not show " + BrokerTopology.INBOUND + ": " + answer.body());
            }
            return brokers.next().path("MessagesAdded").asLong();
        }

        @Override
        public Optional<String> subscribedSubscription() {
            return subscription.isBlank() ? Optional.empty() : Optional.of(subscription);
        }

        @Override
        public Instant meteringNow() {
            return Instant.now();
        }
    }

    /**
     * Microsoft's side of the webhook's tokens: the publisher's tenant and app id the bridge checks, and the key Entra
     * ID signs with (its public half in the bridge's key set).
     */
    record WebhookIssuer(String tenant, String audience, RSAKey key) {

        /** The claims of a v2 access token as Microsoft sends it. */
        public JWTClaimsSet.Builder v2() {
            java.time.Instant now = Instant.now();
            return new JWTClaimsSet.Builder()
                    .issuer("https://login.microsoftonline.com/" + tenant + "/v2.0")
                    .audience(audience)
                    .subject("marketplace")
                    .issueTime(Date.from(now.minusSeconds(60)))
                    .notBeforeTime(Date.from(now.minusSeconds(60)))
                    .expirationTime(Date.from(now.plus(Duration.ofHours(1))))
                    .claim("tid", tenant)
                    .claim("azp", WebhookJwtVerifier.MARKETPLACE_APP_ID)
                    .claim("azpacr", "1")
                    .claim("ver", "2.0");
        }

        /** The claims of a v1 access token: {@code appid}, the sts.windows.net issuer. */
        public JWTClaimsSet.Builder v1() {
            java.time.Instant now = Instant.now();
            return new JWTClaimsSet.Builder()
                    .issuer("https://sts.windows.net/" + tenant + "/")
                    .audience(audience)
                    .issueTime(Date.from(now.minusSeconds(60)))
                    .notBeforeTime(Date.from(now.minusSeconds(60)))
                    .expirationTime(Date.from(now.plus(Duration.ofHours(1))))
                    .claim("tid", tenant)
                    .claim("appid", WebhookJwtVerifier.MARKETPLACE_APP_ID)
                    .claim("ver", "1.0");
        }

        /** v2 claims, changed as the caller says, signed by Entra ID's key. */
        public String signedV2(UnaryOperator<JWTClaimsSet.Builder> change) {
            return MicrosoftWebhook.signed(key, change.apply(v2()).build());
        }

        /** A good token: v2 claims signed by Entra ID's key. */
        public String token() {
            return MicrosoftWebhook.signed(key, v2().build());
        }

        /** The public key set, as the bridge's {@code jwks-uri} serves it. */
        public JWKSet publicKeys() {
            return new JWKSet(key.toPublicJWK());
        }
    }
}
