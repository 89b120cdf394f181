package io.marketplacebridge.landing;

import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.marketplacebridge.BridgeTest.MICROSOFT;
import static io.marketplacebridge.BridgeTest.PUBLISHER;
import static io.marketplacebridge.BridgeTest.json;
import static io.marketplacebridge.BridgeTest.newSubscriptionId;
import static io.marketplacebridge.BridgeTest.resolve;
import static io.marketplacebridge.BridgeTest.resolved;
import static io.marketplacebridge.BridgeTest.stubPendingThenSubscribedAfterActivation;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.marketplacebridge.BridgeTest;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Entra ID sign-in on the landing page (bridge.landing.sign-in: entra), through the whole redirect flow against an
 * OpenID Connect server on a local socket (EntraIdStub): the landing link → Microsoft's authorization endpoint →
 * back with a code → the token exchange → the same landing link, now signed in. A bridge of its own, since the shared
 * test context runs without sign-in.
 */
class LandingSignInTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String CLIENT_ID = "9b3c1a2e-0000-4000-8000-1a2d0c11e0e1";
    private static final String CLIENT_SECRET = "landing-test-secret";

    @TempDir
    static Path dataDir;

    private static EntraIdStub entra;
    private static ConfigurableApplicationContext bridge;
    private static int port;

    @BeforeAll
    static void startBridgeWithEntraSignIn() throws Exception {
        entra = new EntraIdStub(CLIENT_ID, CLIENT_SECRET);
        bridge = BridgeTest.startApplication(dataDir, "landing-sign-in-test", Map.of(
                "bridge.landing.sign-in", "entra",
                "bridge.landing.client-id", CLIENT_ID,
                "bridge.landing.client-secret", CLIENT_SECRET,
                "bridge.landing.authority-url", entra.authorityUrl()));
        port = BridgeTest.port(bridge);
    }

    @AfterAll
    static void stop() {
        if (bridge != null) {
            bridge.close();
        }
        if (entra != null) {
            entra.close();
        }
    }

    @Test
    void buyerWhoSignsInComesBackToTheSameLandingLinkAndPurchasedNamesThem() throws Exception {
        String id = newSubscriptionId();
        String token = "tok+" + id + "/x==";
        MICROSOFT.stubFor(resolve(token).willReturn(json(200, resolved(id))));
        stubPendingThenSubscribedAfterActivation(id);
        String tenant = UUID.randomUUID().toString();
        String user = UUID.randomUUID().toString();
        entra.signsInAs(Map.of("tid", tenant, "oid", user, "name", "Ada Lovelace",
                "preferred_username", "ada@fabrikam.example"));
        String landing = "http://localhost:" + port + "/landing?token=" + URLEncoder.encode(token, StandardCharsets.UTF_8);

        HttpResponse<String> page = browser().send(HttpRequest.newBuilder(URI.create(landing)).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.uri()).hasToString(landing);
        assertThat(page.body()).contains("Thank you for your purchase", "Signed in as", "Ada Lovelace",
                "ada@fabrikam.example", tenant, "Fabrikam HR");
        entra.server().verify(1, getRequestedFor(urlPathEqualTo(EntraIdStub.AUTHORIZE))
                .withQueryParam("client_id", equalTo(CLIENT_ID))
                .withQueryParam("scope", equalTo("openid profile email"))
                .withQueryParam("redirect_uri", equalTo("http://localhost:" + port + "/login/oauth2/code/entra")));
        entra.server().verify(1, postRequestedFor(urlPathEqualTo(EntraIdStub.TOKEN))
                .withRequestBody(containing("client_secret=" + CLIENT_SECRET)));
        await().atMost(WAIT).untilAsserted(() -> PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo("/provisioning"))
                .withHeader("Idempotency-Key", equalTo("purchase:" + id))
                .withRequestBody(matchingJsonPath("$.signedInUser.name", equalTo("Ada Lovelace")))
                .withRequestBody(matchingJsonPath("$.signedInUser.email", equalTo("ada@fabrikam.example")))
                .withRequestBody(matchingJsonPath("$.signedInUser.tenantId", equalTo(tenant)))
                .withRequestBody(matchingJsonPath("$.signedInUser.objectId", equalTo(user)))));
    }

    @Test
    void buyerWhoIsNotSignedInIsSentToMicrosoftBeforeTheTokenIsResolved() throws Exception {
        String token = "unresolved-" + newSubscriptionId();
        HttpClient noRedirects = HttpClient.newBuilder().cookieHandler(new CookieManager(null, CookiePolicy.ACCEPT_ALL)).build();

        HttpResponse<String> landing = noRedirects.send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + port + "/landing?token=" + token)).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> login = noRedirects.send(HttpRequest.newBuilder(
                URI.create(landing.headers().firstValue("Location").orElseThrow())).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(landing.statusCode()).isEqualTo(302);
        assertThat(landing.headers().firstValue("Location")).hasValue("http://localhost:" + port + "/oauth2/authorization/entra");
        assertThat(login.statusCode()).isEqualTo(302);
        assertThat(login.headers().firstValue("Location")).hasValueSatisfying(microsoft -> assertThat(microsoft)
                .startsWith(entra.server().baseUrl() + EntraIdStub.AUTHORIZE + "?")
                .contains("response_type=code", "client_id=" + CLIENT_ID, "nonce=", "state=")
                .doesNotContain(token));
        MICROSOFT.verify(0, postRequestedFor(urlPathEqualTo("/api/saas/subscriptions/resolve"))
                .withHeader("x-ms-marketplace-token", equalTo(token)));
    }

    @Test
    void idTokenOfAnotherIssuerThanItsTenantsIsRefusedAndNothingIsResolved() throws Exception {
        String tenant = UUID.randomUUID().toString();
        for (String issuer : new String[] {"https://login.microsoftonline.com/" + UUID.randomUUID() + "/v2.0",
                "https://login.example.net/" + tenant + "/v2.0"}) {
            String token = "wrong-issuer-" + newSubscriptionId();
            entra.signsInAs(Map.of("tid", tenant, "oid", UUID.randomUUID().toString(), "name", "Mallory",
                    "preferred_username", "mallory@fabrikam.example", "iss", issuer));

            HttpResponse<String> page = browser().send(HttpRequest.newBuilder(
                    URI.create("http://localhost:" + port + "/landing?token=" + token)).build(), HttpResponse.BodyHandlers.ofString());

            assertThat(page.statusCode()).as(issuer).isEqualTo(401);
            assertThat(page.body()).contains("You are not signed in", "Configure account").doesNotContain("Mallory", token);
            MICROSOFT.verify(0, postRequestedFor(urlPathEqualTo("/api/saas/subscriptions/resolve"))
                    .withHeader("x-ms-marketplace-token", equalTo(token)));
        }
    }

    /** A browser as far as the sign-in needs one: it follows redirects and keeps cookies. */
    private static HttpClient browser() {
        return HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                .cookieHandler(new CookieManager(null, CookiePolicy.ACCEPT_ALL)).build();
    }
}
