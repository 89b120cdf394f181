package io.marketplacebridge.outbound;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import io.marketplacebridge.outbound.HttpAuth.Mode;
import java.net.URI;
import io.marketplacebridge.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Authorization header each downstream auth mode puts on the requests of its http endpoint. */
class OutboundAuthTest {

    private final WireMockServer server = new WireMockServer(options().dynamicPort());
    private MutableClock clock;

    @BeforeEach
    void start() {
        server.start();
        server.stubFor(post(urlPathEqualTo("/billing")).willReturn(aResponse().withStatus(200)));
        clock = new MutableClock(Instant.parse("2026-11-01T10:00:00Z"));
    }

    @AfterEach
    void stop() {
        server.stop();
    }

    @Test
    void noneSendsNoAuthorization() throws Exception {
        call(auth(Mode.NONE, null, null, null, null, null));

        server.verify(postRequestedFor(urlPathEqualTo("/billing")).withHeader("Authorization", absent()));
    }

    @Test
    void bearerSendsTheStaticToken() throws Exception {
        call(auth(Mode.BEARER, "static-token", null, null, null, null));

        server.verify(postRequestedFor(urlPathEqualTo("/billing")).withHeader("Authorization", equalTo("Bearer static-token")));
    }

    @Test
    void basicSendsTheCredentialsWithTheFirstRequest() throws Exception {
        call(auth(Mode.BASIC, null, "bridge", "s3cret", null, null));

        server.verify(1, postRequestedFor(urlPathEqualTo("/billing")).withHeader("Authorization", equalTo("Basic YnJpZGdlOnMzY3JldA==")));
    }

    @Test
    void oauth2FetchesATokenOnceAndAgainWhenItExpiresOrIsRefused() throws Exception {
        String scenario = "tokens";
        server.stubFor(post(urlPathEqualTo("/token")).inScenario(scenario).whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                        .withBody("{\"access_token\":\"t1\",\"token_type\":\"Bearer\",\"expires_in\":3600}"))
                .willSetStateTo("second"));
        server.stubFor(post(urlPathEqualTo("/token")).inScenario(scenario).whenScenarioStateIs("second")
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                        .withBody("{\"access_token\":\"t2\",\"expires_in\":3600}"))
                .willSetStateTo("third"));
        server.stubFor(post(urlPathEqualTo("/token")).inScenario(scenario).whenScenarioStateIs("third")
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                        .withBody("{\"access_token\":\"t3\",\"expires_in\":3600}")));
        OutboundAuth auth = auth(Mode.OAUTH2, null, null, null, "client", "secret");
        CloseableHttpClient client = client(auth);

        int first = send(client);
        int cached = send(client);
        clock.advance(Duration.ofMinutes(59).plusSeconds(1));
        int afterExpiry = send(client);
        server.stubFor(post(urlPathEqualTo("/billing")).withHeader("Authorization", equalTo("Bearer t2"))
                .willReturn(aResponse().withStatus(401)));
        int refused = send(client);
        int afterRefusal = send(client);

        assertThat(new int[] {first, cached, afterExpiry, refused, afterRefusal}).containsExactly(200, 200, 200, 401, 200);
        server.verify(3, postRequestedFor(urlPathEqualTo("/token"))
                .withHeader("Content-Type", containing("application/x-www-form-urlencoded"))
                .withRequestBody(containing("grant_type=client_credentials"))
                .withRequestBody(containing("client_id=client"))
                .withRequestBody(containing("client_secret=secret"))
                .withRequestBody(containing("scope=api%3A%2F%2Fbilling%2F.default")));
        server.verify(2, postRequestedFor(urlPathEqualTo("/billing")).withHeader("Authorization", equalTo("Bearer t1")));
        server.verify(2, postRequestedFor(urlPathEqualTo("/billing")).withHeader("Authorization", equalTo("Bearer t2")));
        server.verify(1, postRequestedFor(urlPathEqualTo("/billing")).withHeader("Authorization", equalTo("Bearer t3")));
    }

    @Test
    void missingCredentialsStopTheStartWithTheKeyToSet() {
        assertThatThrownBy(() -> auth(Mode.OAUTH2, null, null, null, "client", null))
                .hasMessage("bridge.billing.auth.mode=oauth2 needs bridge.billing.auth.client-secret");
        assertThatThrownBy(() -> auth(Mode.BEARER, " ", null, null, null, null))
                .hasMessage("bridge.billing.auth.mode=bearer needs bridge.billing.auth.token");
    }

    private OutboundAuth auth(Mode mode, String token, String username, String password, String clientId, String clientSecret) {
        return new OutboundAuth("billing", new HttpAuth(mode, token, username, password, clientId, clientSecret,
                URI.create(server.baseUrl() + "/token"), "api://billing/.default"), new com.fasterxml.jackson.databind.ObjectMapper(), clock);
    }

    private void call(OutboundAuth auth) throws Exception {
        try (CloseableHttpClient client = client(auth)) {
            assertThat(send(client)).isEqualTo(200);
        }
    }

    private static CloseableHttpClient client(OutboundAuth auth) {
        HttpClientBuilder builder = HttpClientBuilder.create();
        auth.configureHttpClient(builder);
        return builder.build();
    }

    private int send(CloseableHttpClient client) throws Exception {
        return client.execute(new HttpPost(server.baseUrl() + "/billing"), response -> response.getCode());
    }
}
