package io.marketplacebridge.reliability;

import static io.marketplacebridge.Logins.basic;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.EncryptionMethod;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWEAlgorithm;
import com.nimbusds.jose.JWEHeader;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSAEncrypter;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.EncryptedJWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import io.marketplacebridge.reliability.BridgeUnderTest.WebhookIssuer;
import io.marketplacebridge.webhook.MicrosoftWebhook;
import io.marketplacebridge.webhook.WebhookJwtVerifier;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 20, scenario 6 (docs/reliability.md): every webhook token that must fail gets {@code 401} with a problem body
 * and stores nothing; forged operator and integration logins get {@code 401} ({@code 403} for the other role) and
 * change nothing. Aims at the shared test context, or at a bridge of its own process ({@link BridgeUnderTest}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ForgeryTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** An app that is not the Microsoft marketplace, another tenant, and Microsoft Graph: claims a forger would use. */
    private static final String OTHER_APP = "11111111-2222-3333-4444-555555555555";
    private static final String OTHER_TENANT = "99999999-2222-3333-4444-555555555555";
    private static final String GRAPH = "00000003-0000-0000-c000-000000000000";

    private BridgeUnderTest bridge;
    private WebhookIssuer entra;

    @BeforeAll
    void target() {
        bridge = BridgeUnderTest.get();
        entra = bridge.webhookIssuer();
    }

    /** Every Authorization header of {@link #forgedWebhookTokens}, named for the report. */
    Stream<Arguments> forgedWebhookTokens() throws Exception {
        WebhookIssuer microsoft = BridgeUnderTest.get().webhookIssuer();
        RSAKey key = microsoft.key();
        RSAKey sameKidOtherKey = new RSAKeyGenerator(2048).keyID(key.getKeyID()).generate();
        RSAKey unknownKey = new RSAKeyGenerator(2048).keyID("forged-" + UUID.randomUUID()).generate();
        Instant now = Instant.now();
        String good = microsoft.token();
        String[] parts = good.split("\\.");
        Map<String, String> forgeries = new LinkedHashMap<>();

        forgeries.put("no Authorization header", null);
        forgeries.put("Bearer and nothing", "Bearer ");
        forgeries.put("Bearer and blanks", "Bearer     ");
        forgeries.put("garbage", "Bearer garbage");
        forgeries.put("three garbage parts", "Bearer a.b.c");
        forgeries.put("binary-looking garbage", "Bearer " + Base64.getEncoder().encodeToString(new byte[] {0, 1, 2, (byte) 255, 127, 64}));
        forgeries.put("16 KB of garbage", "Bearer " + "x".repeat(16 * 1024));
        forgeries.put("a good token after another scheme", "Token " + good);
        forgeries.put("a good token without a scheme", good);
        forgeries.put("a good token with trailing garbage", "Bearer " + good + " extra");
        forgeries.put("the operator's Basic login", basic(bridge.operator()));
        forgeries.put("bad signature (another key, same kid)", "Bearer " + sign(sameKidOtherKey, JWSAlgorithm.RS256, key.getKeyID(), microsoft.v2().build()));
        forgeries.put("tampered payload, original signature", "Bearer " + parts[0] + "."
                + Base64URL.encode(microsoft.v2().claim("tid", OTHER_TENANT).build().toString()) + "." + parts[2]);
        forgeries.put("signature removed", "Bearer " + parts[0] + "." + parts[1] + ".");
        forgeries.put("alg none", "Bearer " + new PlainJWT(microsoft.v2().build()).serialize());
        forgeries.put("alg none with the real kid", "Bearer " + Base64URL.encode("{\"alg\":\"none\",\"kid\":\"" + key.getKeyID() + "\"}")
                + "." + parts[1] + ".");
        forgeries.put("HS256 keyed with the public key's DER bytes", "Bearer " + hmac(key.toRSAPublicKey().getEncoded(), key.getKeyID(), microsoft.v2().build()));
        forgeries.put("HS256 keyed with the public JWK's JSON", "Bearer " + hmac(key.toPublicJWK().toJSONString().getBytes(StandardCharsets.UTF_8),
                key.getKeyID(), microsoft.v2().build()));
        forgeries.put("RS512 by the right key", "Bearer " + sign(key, JWSAlgorithm.RS512, key.getKeyID(), microsoft.v2().build()));
        forgeries.put("PS256 by the right key", "Bearer " + sign(key, JWSAlgorithm.PS256, key.getKeyID(), microsoft.v2().build()));
        forgeries.put("encrypted (JWE) to the right key", "Bearer " + encrypted(key, microsoft.v2().build()));
        forgeries.put("expired", "Bearer " + microsoft.signedV2(claims -> claims.expirationTime(Date.from(now.minus(10, ChronoUnit.MINUTES)))));
        forgeries.put("expired two minutes ago (past the skew)", "Bearer " + microsoft.signedV2(claims -> claims.expirationTime(Date.from(now.minus(2, ChronoUnit.MINUTES)))));
        forgeries.put("no expiry", "Bearer " + microsoft.signedV2(claims -> claims.expirationTime(null)));
        forgeries.put("not valid before ten minutes from now (nbf)", "Bearer " + microsoft.signedV2(claims -> claims.notBeforeTime(Date.from(now.plus(10, ChronoUnit.MINUTES)))));
        forgeries.put("another audience", "Bearer " + microsoft.signedV2(claims -> claims.audience(OTHER_APP)));
        forgeries.put("no audience", "Bearer " + microsoft.signedV2(claims -> claims.audience((String) null)));
        forgeries.put("issuer of another tenant", "Bearer " + microsoft.signedV2(claims -> claims.issuer("https://login.microsoftonline.com/" + OTHER_TENANT + "/v2.0")));
        forgeries.put("issuer of another authority", "Bearer " + microsoft.signedV2(claims -> claims.issuer("https://login.example.com/" + microsoft.tenant() + "/v2.0")));
        forgeries.put("no issuer", "Bearer " + microsoft.signedV2(claims -> claims.issuer(null)));
        forgeries.put("tid of another tenant", "Bearer " + microsoft.signedV2(claims -> claims.claim("tid", OTHER_TENANT)));
        forgeries.put("another tenant throughout (tid and iss)", "Bearer " + microsoft.signedV2(claims -> claims.claim("tid", OTHER_TENANT)
                .issuer("https://login.microsoftonline.com/" + OTHER_TENANT + "/v2.0")));
        forgeries.put("no tid", "Bearer " + microsoft.signedV2(claims -> claims.claim("tid", null)));
        forgeries.put("azp of another app (v2)", "Bearer " + microsoft.signedV2(claims -> claims.claim("azp", OTHER_APP)));
        forgeries.put("azp of another app beside the marketplace's appid", "Bearer " + microsoft.signedV2(claims -> claims.claim("azp", OTHER_APP)
                .claim("appid", WebhookJwtVerifier.MARKETPLACE_APP_ID)));
        forgeries.put("appid of another app (v1)", "Bearer " + MicrosoftWebhook.signed(key, microsoft.v1().claim("appid", OTHER_APP).build()));
        forgeries.put("neither azp nor appid", "Bearer " + microsoft.signedV2(claims -> claims.claim("azp", null)));
        forgeries.put("no kid (the right key)", "Bearer " + sign(key, JWSAlgorithm.RS256, null, microsoft.v2().build()));
        forgeries.put("no kid (another key)", "Bearer " + sign(sameKidOtherKey, JWSAlgorithm.RS256, null, microsoft.v2().build()));
        forgeries.put("unknown kid", "Bearer " + sign(unknownKey, JWSAlgorithm.RS256, unknownKey.getKeyID(), microsoft.v2().build()));
        forgeries.put("unknown kid, with the forger's key embedded (jwk header)", "Bearer " + signWithEmbeddedKey(unknownKey, microsoft.v2().build()));
        forgeries.put("for the Fulfillment API: the token the bridge itself sends Microsoft", "Bearer " + microsoft.signedV2(claims -> claims
                .audience(WebhookJwtVerifier.MARKETPLACE_APP_ID).claim("azp", microsoft.audience())));
        forgeries.put("for Microsoft Graph", "Bearer " + microsoft.signedV2(claims -> claims.audience(GRAPH)));
        forgeries.put("the landing page's ID token (the buyer's sign-in)", "Bearer " + MicrosoftWebhook.signed(key, new JWTClaimsSet.Builder()
                .issuer("https://login.microsoftonline.com/" + OTHER_TENANT + "/v2.0").audience(OTHER_APP).subject("buyer")
                .issueTime(Date.from(now)).notBeforeTime(Date.from(now)).expirationTime(Date.from(now.plus(1, ChronoUnit.HOURS)))
                .claim("tid", OTHER_TENANT).claim("nonce", "n-0S6_WzA2Mj").claim("preferred_username", "buyer@fabrikam.example")
                .claim("ver", "2.0").build()));
        return forgeries.entrySet().stream().map(forgery -> Arguments.of(Named.of(forgery.getKey(), forgery.getValue())));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("forgedWebhookTokens")
    void forgedWebhookTokenGets401AndNothingIsStored(String authorization) throws Exception {
        String subscription = UUID.randomUUID().toString();
        String operation = UUID.randomUUID().toString();
        long storedBefore = bridge.notificationsStored();

        HttpResponse<String> answer = Http.json("POST", bridge.url("/api/webhook"), authorization, notification(operation, subscription));

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(401);
        assertThat(answer.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(JSON.readTree(answer.body()).path("status").asInt()).isEqualTo(401);
        assertThat(answer.body()).doesNotContain(operation);
        assertThat(bridge.notificationsStored()).isEqualTo(storedBefore);
        assertThat(timeline(subscription)).isEmpty();
    }

    @Test
    void theGenuineTokenIsStoredSoTheForgeriesWereRefusedForTheirToken() throws Exception {
        String subscription = UUID.randomUUID().toString();
        String operation = UUID.randomUUID().toString();
        long storedBefore = bridge.notificationsStored();

        HttpResponse<String> answer = Http.json("POST", bridge.url("/api/webhook"), "Bearer " + entra.token(), notification(operation, subscription));

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(answer.body()).contains(operation);
        assertThat(bridge.notificationsStoredReaching(storedBefore + 1)).isEqualTo(storedBefore + 1);
    }

    /** Forged logins: each endpoint with each forgery, and what it should answer. */
    Stream<Arguments> forgedLogins() throws Exception {
        BridgeUnderTest target = BridgeUnderTest.get();
        String operator = target.operator();
        String integration = target.integration();
        String operatorUser = operator.substring(0, operator.indexOf(':'));
        String integrationUser = integration.substring(0, integration.indexOf(':'));
        Map<String, String> forged = new LinkedHashMap<>();
        forged.put("no login", null);
        forged.put("wrong password", basic(operatorUser + ":not-the-password"));
        forged.put("password with one more character", basic(operator + "x"));
        forged.put("password less its last character", basic(operator.substring(0, operator.length() - 1)));
        forged.put("empty password", basic(operatorUser + ":"));
        forged.put("unknown user with the operator's password", basic("root" + operator.substring(operator.indexOf(':'))));
        forged.put("operator's user with the integration's password", basic(operatorUser + integration.substring(integration.indexOf(':'))));
        forged.put("integration's user with the operator's password", basic(integrationUser + operator.substring(operator.indexOf(':'))));
        forged.put("Basic and nothing", "Basic ");
        forged.put("Basic with no base64", "Basic !!!not-base64!!!");
        forged.put("Basic without a colon", basic(operatorUser));
        forged.put("Basic of the login in plain text", "Basic " + operator);
        forged.put("the webhook's valid bearer token", "Bearer " + target.webhookIssuer().token());
        forged.put("Digest scheme", "Digest username=\"" + operatorUser + "\", realm=\"bridge\", nonce=\"x\", uri=\"/\", response=\"0\"");

        List<Arguments> cases = new ArrayList<>();
        for (Endpoint endpoint : endpoints()) {
            forged.forEach((name, header) -> cases.add(Arguments.of(Named.of(endpoint.name() + ", " + name, endpoint), header, 401)));
            if (endpoint.operatorOnly()) {
                cases.add(Arguments.of(Named.of(endpoint.name() + ", the integration's login (the other role)", endpoint),
                        basic(integration), 403));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("forgedLogins")
    void forgedLoginIsRefusedAndChangesNothing(Endpoint endpoint, String authorization, int expected) throws Exception {
        String subscription = bridge.subscribedSubscription().orElse(UUID.randomUUID().toString());
        State before = state(subscription);

        HttpResponse<String> answer = Http.json(endpoint.method(), bridge.url(endpoint.path(subscription)), authorization,
                endpoint.body(subscription, bridge.meteringNow()));

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(expected);
        assertThat(answer.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(JSON.readTree(answer.body()).path("status").asInt()).isEqualTo(expected);
        assertThat(answer.body()).doesNotContain(subscription);
        assertThat(state(subscription)).isEqualTo(before);
    }

    @Test
    void theRealIntegrationLoginRecordsTheSameUsageSoTheForgeriesWereRefusedForTheirLogin() throws Exception {
        String subscription = bridge.subscribedSubscription().orElseThrow();
        Endpoint usage = endpoints().get(1);
        double before = usedQuantity(subscription);

        HttpResponse<String> answer = Http.json("POST", bridge.url(usage.path(subscription)), basic(bridge.integration()),
                usage.body(subscription, bridge.meteringNow()));

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(202);
        assertThat(usedQuantity(subscription)).isEqualTo(before + 1);
    }

    /** What a forged login could have changed, read with the real logins. */
    private State state(String subscription) throws Exception {
        return new State(bridge.notificationsStored(), get("/api/admin/dead-letters", bridge.operator()).toString(),
                get("/api/subscriptions?size=1", bridge.operator()).path("total").asLong(),
                timeline(subscription).toString(), usage(subscription).toString());
    }

    private record State(long notificationsStored, String deadLetters, long subscriptions, String timeline, String usage) {
    }

    /** The endpoints behind a login, each with a request that would change something if it were let in. */
    private static List<Endpoint> endpoints() {
        return List.of(
                new Endpoint("GET /api/subscriptions", "GET", "/api/subscriptions", false, null),
                new Endpoint("POST /api/usage", "POST", "/api/usage", false, "usage"),
                new Endpoint("POST plan change", "POST", "/api/subscriptions/{id}/plan", false, "{\"planId\":\"pro\"}"),
                new Endpoint("POST quantity change", "POST", "/api/subscriptions/{id}/quantity", false, "{\"quantity\":20}"),
                new Endpoint("DELETE subscription", "DELETE", "/api/subscriptions/{id}", false, null),
                new Endpoint("POST activation callback", "POST", "/api/subscriptions/{id}/activation", false, null),
                new Endpoint("POST dead-letter replay of everything", "POST", "/api/admin/dead-letters/marketplace.inbound/replay?all=true", true, null),
                new Endpoint("DELETE every dead letter", "DELETE", "/api/admin/dead-letters/billing?all=true&reason=forged", true, null),
                new Endpoint("POST reconciliation run", "POST", "/api/admin/reconcile", true, null),
                new Endpoint("POST metering report", "POST", "/api/admin/metering/report", true, null),
                new Endpoint("GET dead letters", "GET", "/api/admin/dead-letters/marketplace.inbound", true, null),
                new Endpoint("POST Jolokia", "POST", "/actuator/jolokia", true,
                        "{\"type\":\"exec\",\"mbean\":\"org.apache.camel:type=routes,*\",\"operation\":\"stop()\"}"),
                new Endpoint("GET metrics", "GET", "/actuator/prometheus", true, null),
                new Endpoint("GET info", "GET", "/actuator/info", true, null));
    }

    /** An endpoint behind a login: {@code {id}} in its path and a body {@code usage} stand for the subscription's. */
    record Endpoint(String name, String method, String path, boolean operatorOnly, String body) {

        String path(String subscription) {
            return path.replace("{id}", subscription);
        }

        String body(String subscription, Instant now) {
            if (!"usage".equals(body)) {
                return body;
            }
            return "{\"subscriptionId\":\"" + subscription + "\",\"dimension\":\"api-calls\",\"quantity\":1,\"timestamp\":\""
                    + now + "\",\"id\":\"forgery-" + UUID.randomUUID() + "\"}";
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private JsonNode timeline(String subscription) throws Exception {
        return get("/api/subscriptions/" + subscription + "/events", bridge.integration()).path("events");
    }

    /** The subscription's usage hours (not the window they were read for, which moves with the clock). */
    private JsonNode usage(String subscription) throws Exception {
        return get("/api/subscriptions/" + subscription + "/usage", bridge.integration()).path("hours");
    }

    private double usedQuantity(String subscription) throws Exception {
        double total = 0;
        for (JsonNode hour : usage(subscription)) {
            total += hour.path("quantity").asDouble();
        }
        return total;
    }

    private JsonNode get(String path, String login) throws Exception {
        HttpResponse<String> answer = Http.json("GET", bridge.url(path), basic(login), null);
        assertThat(answer.statusCode()).as(path + ": " + answer.body()).isIn(200, 404);
        return JSON.readTree(answer.body());
    }

    private static String notification(String operation, String subscription) {
        return MicrosoftWebhook.notification(operation, subscription, "Suspend", null, null);
    }

    private static String sign(RSAKey key, JWSAlgorithm algorithm, String keyId, JWTClaimsSet claims) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(algorithm).keyID(keyId).type(JOSEObjectType.JWT).build(), claims);
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    private static String signWithEmbeddedKey(RSAKey key, JWTClaimsSet claims) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).jwk(key.toPublicJWK())
                .jwkURL(URI.create("https://forger.example/keys")).type(JOSEObjectType.JWT).build(), claims);
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    private static String hmac(byte[] secret, String keyId, JWTClaimsSet claims) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(keyId).type(JOSEObjectType.JWT).build(), claims);
        jwt.sign(new MACSigner(secret));
        return jwt.serialize();
    }

    private static String encrypted(RSAKey key, JWTClaimsSet claims) throws Exception {
        EncryptedJWT jwt = new EncryptedJWT(new JWEHeader.Builder(JWEAlgorithm.RSA_OAEP_256, EncryptionMethod.A256GCM)
                .keyID(key.getKeyID()).build(), claims);
        jwt.encrypt(new RSAEncrypter(key.toRSAPublicKey()));
        return jwt.serialize();
    }
}
