package io.marketplacebridge.webhook;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Microsoft's side of the webhook in tests: Entra ID's signing key (served as a JWKS by WireMock), the tokens
 * Microsoft sends (v1 and v2 shapes, docs/marketplace-contract.md §6), and the call itself.
 */
public final class MicrosoftWebhook {

    /** The publisher's tenant (technical configuration). */
    public static final String TENANT = "0c0ffee0-7e57-4a11-9000-00000000a001";
    /** The publisher's app id (technical configuration): the tokens' audience. */
    public static final String AUDIENCE = "0c0ffee0-7e57-4a11-9000-00000000a002";
    /** Where the tenant's Entra ID key set is, relative to the Microsoft WireMock server. */
    public static final String JWKS_PATH = "/" + TENANT + "/discovery/v2.0/keys";

    /** Entra ID's signing key, whose public half is in the key set. */
    public static final RSAKey ENTRA_KEY = rsaKey("entra-key-1");
    /** Another key with the same key id: its signatures must fail. */
    public static final RSAKey FORGED_KEY = rsaKey("entra-key-1");

    private MicrosoftWebhook() {
    }

    /**
     * The {@code bridge.webhook.*} settings of the test application: Microsoft's key set and a decision endpoint on
     * the publisher's server, which accepts every change unless a test stubs otherwise. Stubs both.
     */
    public static Map<String, String> settings(WireMockServer microsoft, WireMockServer publisher) {
        microsoft.stubFor(get(urlPathEqualTo(JWKS_PATH)).atPriority(1).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(new JWKSet(ENTRA_KEY.toPublicJWK()).toString())));
        publisher.stubFor(post(urlPathEqualTo("/decision")).atPriority(9).willReturn(aResponse().withStatus(204)));
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("bridge.webhook.audience", AUDIENCE);
        settings.put("bridge.webhook.tenant-id", TENANT);
        settings.put("bridge.webhook.jwks-uri", microsoft.baseUrl() + JWKS_PATH);
        settings.put("bridge.webhook.decision-url", publisher.baseUrl() + "/decision");
        return settings;
    }

    /** The claims of a v2 access token as Microsoft sends it: {@code azp} names the marketplace app. */
    public static JWTClaimsSet.Builder v2() {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder()
                .issuer("https://login.microsoftonline.com/" + TENANT + "/v2.0")
                .audience(AUDIENCE)
                .subject("marketplace")
                .issueTime(Date.from(now.minusSeconds(60)))
                .notBeforeTime(Date.from(now.minusSeconds(60)))
                .expirationTime(Date.from(now.plus(Duration.ofHours(1))))
                .claim("tid", TENANT)
                .claim("azp", WebhookJwtVerifier.MARKETPLACE_APP_ID)
                .claim("azpacr", "1")
                .claim("ver", "2.0");
    }

    /** The claims of a v1 access token: {@code appid} names the marketplace app, the issuer is sts.windows.net. */
    public static JWTClaimsSet.Builder v1() {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder()
                .issuer("https://sts.windows.net/" + TENANT + "/")
                .audience(AUDIENCE)
                .issueTime(Date.from(now.minusSeconds(60)))
                .notBeforeTime(Date.from(now.minusSeconds(60)))
                .expirationTime(Date.from(now.plus(Duration.ofHours(1))))
                .claim("tid", TENANT)
                .claim("appid", WebhookJwtVerifier.MARKETPLACE_APP_ID)
                .claim("ver", "1.0");
    }

    /** A good token: v2 claims signed by Entra ID's key. */
    public static String token() {
        return signed(ENTRA_KEY, v2().build());
    }

    /** The claims signed with RS256 by the given key. */
    public static String signed(RSAKey key, JWTClaimsSet claims) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID())
                    .type(JOSEObjectType.JWT).build(), claims);
            jwt.sign(new RSASSASigner(key));
            return jwt.serialize();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The claims without a signature ({@code alg: none}). */
    public static String unsigned(JWTClaimsSet claims) {
        return new PlainJWT(claims).serialize();
    }

    /** A notification as Microsoft POSTs it (docs/marketplace-contract.md §5), with an unknown field and purchaseToken. */
    public static String notification(String operationId, String subscriptionId, String action, String planId, Integer quantity) {
        return """
                {"id":"%s","activityId":"%s","publisherId":"contoso","offerId":"bridge-offer",%s%s
                 "subscriptionId":"%s","timeStamp":"2026-11-02T10:15:00Z","action":"%s","status":"%s",
                 "operationRequestSource":"Azure","subscription":{"id":"%s","planId":"basic"},"purchaseToken":null,
                 "aFieldMicrosoftAddedLater":{"x":1}}
                """.formatted(operationId, UUID.randomUUID(), planId == null ? "" : "\"planId\":\"" + planId + "\",", quantity == null ? "" : "\"quantity\":" + quantity + ",",
                subscriptionId, action, action.startsWith("Change") || action.equals("Reinstate") ? "InProgress" : "Succeeded",
                subscriptionId);
    }

    /** POSTs the body to the bridge's webhook with the given Authorization header (none when null). */
    public static HttpResponse<String> call(int port, String authorization, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/webhook"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** POSTs the notification as Microsoft would: with a good bearer token. */
    public static HttpResponse<String> call(int port, String body) throws Exception {
        return call(port, "Bearer " + token(), body);
    }

    private static RSAKey rsaKey(String keyId) {
        try {
            return new RSAKeyGenerator(2048).keyID(keyId).generate();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
