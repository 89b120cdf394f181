package io.marketplacebridge.landing;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.marketplacebridge.BridgeTest;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;

/** landing.camel.yaml: token → landing page → Purchased → provisioning → activation → Activated. */
@ExtendWith(OutputCaptureExtension.class)
class LandingFlowTest extends BridgeTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @LocalServerPort
    int port;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void purchaseIsProvisionedAndActivatedOnceWithThePurchasedPlanAndQuantity() throws Exception {
        String id = newSubscriptionId();
        String token = "tok+" + id + "/x==";
        MICROSOFT.stubFor(resolve(token).willReturn(json(200, resolved(id))));
        stubPendingThenSubscribedAfterActivation(id);

        HttpResponse<String> page = land(URLEncoder.encode(token, StandardCharsets.UTF_8));

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("text/html"));
        assertThat(page.body()).contains("Fabrikam HR", "basic", "10", "buyer@tenant-a.example");
        await().atMost(WAIT).untilAsserted(() -> PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo("/provisioning"))
                .withHeader("Idempotency-Key", equalTo("activated:" + id))
                .withRequestBody(matchingJsonPath("$.subscription.saasSubscriptionStatus", equalTo("Subscribed")))));
        PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo("/provisioning"))
                .withHeader("Idempotency-Key", equalTo("purchase:" + id))
                .withRequestBody(matchingJsonPath("$.type", equalTo("Purchased")))
                .withRequestBody(matchingJsonPath("$.source", equalTo("landing")))
                .withRequestBody(matchingJsonPath("$.subscription.planId", equalTo("basic")))
                .withoutHeader("bridgeEventId")
                .withoutHeader("JMSXGroupID"));
        MICROSOFT.verify(1, postRequestedFor(urlPathEqualTo("/api/saas/subscriptions/" + id + "/activate"))
                .withQueryParam("api-version", equalTo("2018-08-31"))
                .withHeader("Authorization", equalTo("Bearer test-token"))
                .withRequestBody(equalToJson("{\"planId\":\"basic\",\"quantity\":10}")));
    }

    @Test
    void cspPurchaseKeepsPurchaserAndBeneficiaryApart() throws Exception {
        String id = newSubscriptionId();
        String token = "csp-" + id;
        String subscription = subscriptionJson(id, "PendingFulfillmentStart", "basic", 5, "reseller", "customer");
        MICROSOFT.stubFor(resolve(token).willReturn(json(200, "{\"id\":\"" + id + "\",\"planId\":\"basic\",\"subscription\":" + subscription + "}")));
        MICROSOFT.stubFor(get(urlPathEqualTo("/api/saas/subscriptions/" + id)).willReturn(json(200, subscription)));

        HttpResponse<String> page = land(token);

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("buyer@reseller.example", "user@customer.example", "reseller (CSP)");
        await().atMost(WAIT).untilAsserted(() -> PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo("/provisioning"))
                .withHeader("Idempotency-Key", equalTo("purchase:" + id))
                .withRequestBody(matchingJsonPath("$.subscription.purchaser.tenantId", equalTo("reseller")))
                .withRequestBody(matchingJsonPath("$.subscription.beneficiary.tenantId", equalTo("customer")))));
    }

    @Test
    void reloadingOrManagingTheAccountAgainPublishesPurchasedOnceAndLogsNoMessageDump(CapturedOutput output) throws Exception {
        String id = newSubscriptionId();
        MICROSOFT.stubFor(resolve("first-" + id).willReturn(json(200, resolved(id))));
        MICROSOFT.stubFor(resolve("manage-" + id).willReturn(json(200, resolved(id))));
        stubPendingThenSubscribedAfterActivation(id);

        assertThat(land("first-" + id).statusCode()).isEqualTo(200);
        assertThat(land("first-" + id).statusCode()).isEqualTo(200);
        assertThat(land("manage-" + id).statusCode()).isEqualTo(200);

        await().atMost(WAIT).untilAsserted(() -> PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo("/provisioning"))
                .withHeader("Idempotency-Key", equalTo("activated:" + id))));
        PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo("/provisioning")).withHeader("Idempotency-Key", equalTo("purchase:" + id)));
        MICROSOFT.verify(1, postRequestedFor(urlPathEqualTo("/api/saas/subscriptions/" + id + "/activate")));
        assertThat(output.getOut()).doesNotContain("AMQ222059").doesNotContain("user@tenant-a.example");
    }

    @Test
    void manageAccountOnAnActiveSubscriptionShowsItWithoutAnotherActivation() throws Exception {
        String id = newSubscriptionId();
        String subscription = subscriptionJson(id, "Subscribed", "basic", 10, "tenant-a", "tenant-a");
        MICROSOFT.stubFor(resolve("manage-" + id).willReturn(json(200, "{\"id\":\"" + id + "\",\"subscription\":" + subscription + "}")));
        MICROSOFT.stubFor(get(urlPathEqualTo("/api/saas/subscriptions/" + id)).willReturn(json(200, subscription)));

        HttpResponse<String> page = land("manage-" + id);

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("Your subscription", "Fabrikam HR").doesNotContain("Thank you for your purchase");
        await().atMost(WAIT).untilAsserted(() -> PUBLISHER.verify(1, postRequestedFor(urlPathEqualTo("/provisioning"))
                .withHeader("Idempotency-Key", equalTo("purchase:" + id))));
        MICROSOFT.verify(0, postRequestedFor(urlPathEqualTo("/api/saas/subscriptions/" + id + "/activate")));
    }

    @Test
    void encodedPlusAndSlashReachMicrosoftIntact() throws Exception {
        String id = newSubscriptionId();
        MICROSOFT.stubFor(resolve("ab+cd/ef=" + id).willReturn(json(200, resolved(id))));
        stubPendingThenSubscribedAfterActivation(id);

        HttpResponse<String> page = land("ab%2Bcd%2Fef%3D" + id);

        assertThat(page.statusCode()).isEqualTo(200);
        MICROSOFT.verify(1, postRequestedFor(urlPathEqualTo("/api/saas/subscriptions/resolve"))
                .withHeader("x-ms-marketplace-token", equalTo("ab+cd/ef=" + id)));
    }

    @Test
    void missingOrMalformedTokenShowsAnErrorPageWithoutCallingMicrosoft() throws Exception {
        int resolvesBefore = resolveCount();

        HttpResponse<String> missing = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/landing")).build(),
                HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> malformed = land("abc%3Cscript%3Edef");

        assertThat(missing.statusCode()).isEqualTo(400);
        assertThat(missing.body()).contains("without a purchase token");
        assertThat(malformed.statusCode()).isEqualTo(400);
        assertThat(malformed.body()).contains("malformed").doesNotContain("abc");
        assertThat(resolveCount()).isEqualTo(resolvesBefore);
    }

    @Test
    void tooLongOrUnreadableLinksGetTheLandingPagesOwnErrorPage() throws Exception {
        int resolvesBefore = resolveCount();

        HttpResponse<String> tooLong = land("a".repeat(10_000));
        HttpResponse<String> farTooLong = land("a".repeat(100_000));
        String unreadable = rawGet("/landing?token=ab|cd{ef}");

        assertThat(tooLong.statusCode()).isEqualTo(400);
        assertThat(tooLong.body()).contains("This link does not work", "malformed", "Configure account");
        for (String page : List.of(farTooLong.body(), unreadable)) {
            assertThat(page).contains("This link does not work", "too long or malformed", "Configure account", "Contoso")
                    .doesNotContain("Tomcat", "HTTP Status 400", "aaaaaaaaaa", "ab|cd");
        }
        assertThat(farTooLong.statusCode()).isEqualTo(400);
        assertThat(farTooLong.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("text/html"));
        assertThat(unreadable).startsWith("HTTP/1.1 400");
        assertThat(resolveCount()).isEqualTo(resolvesBefore);
    }

    @Test
    void tokenMicrosoftRefusesShowsExpiredPageAndPublishesNothing(CapturedOutput output) throws Exception {
        String token = "expired-" + newSubscriptionId();
        MICROSOFT.stubFor(resolve(token).willReturn(json(400, "{\"error\":\"invalid token\"}")));

        HttpResponse<String> page = land(token);

        assertThat(page.statusCode()).isEqualTo(400);
        assertThat(page.body()).contains("expired", "Azure portal").doesNotContain(token);
        assertThat(output.getAll()).doesNotContain(token);
        PUBLISHER.verify(0, postRequestedFor(urlPathEqualTo("/provisioning")).withRequestBody(com.github.tomakehurst.wiremock.client.WireMock.containing(token)));
    }

    @Test
    void subscriptionMicrosoftDoesNotKnowShowsNotFoundAndPublishesNothing(CapturedOutput output) throws Exception {
        String id = newSubscriptionId();
        String token = "orphan-" + id;
        MICROSOFT.stubFor(resolve(token).willReturn(json(200, resolved(id))));
        MICROSOFT.stubFor(get(urlPathEqualTo("/api/saas/subscriptions/" + id)).willReturn(json(404, "{}")));

        HttpResponse<String> page = land(token);

        assertThat(page.statusCode()).isEqualTo(404);
        assertThat(page.body()).contains("not found");
        assertThat(output.getAll()).doesNotContain(token);
        MICROSOFT.verify(1, getRequestedFor(urlPathEqualTo("/api/saas/subscriptions/" + id)));
        assertThat(PUBLISHER.findAll(postRequestedFor(urlPathEqualTo("/provisioning"))
                .withHeader("Idempotency-Key", equalTo("purchase:" + id)))).isEmpty();
    }

    private HttpResponse<String> land(String encodedToken) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/landing?token=" + encodedToken)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** A request the JDK's client refuses to send (characters a URL may not hold), written on a socket. */
    private String rawGet(String target) throws IOException {
        try (Socket socket = new Socket("localhost", port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private int resolveCount() {
        return MICROSOFT.findAll(postRequestedFor(urlPathEqualTo("/api/saas/subscriptions/resolve"))).size();
    }
}
