package io.marketplacebridge.outbound;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import org.apache.camel.component.http.HttpClientConfigurer;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.core5.http.HttpHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts the {@code Authorization} header of one downstream system on every request of the {@code http} endpoint that
 * names it ({@code httpClientConfigurer: "#billingAuth"}). In {@code oauth2} mode the token is fetched with the client
 * credentials grant, kept until shortly before it expires, and dropped when the system answers 401, so that the
 * broker's redelivery fetches a fresh one. Tokens and secrets are never logged.
 */
public final class OutboundAuth implements HttpClientConfigurer {

    private static final Logger LOG = LoggerFactory.getLogger(OutboundAuth.class);
    private static final Duration EXPIRY_MARGIN = Duration.ofSeconds(60);
    private static final Duration DEFAULT_LIFETIME = Duration.ofMinutes(5);
    private static final Duration TOKEN_TIMEOUT = Duration.ofSeconds(10);

    private final String system;
    private final HttpAuth auth;
    private final Clock clock;
    private final ObjectMapper json;
    private final HttpClient tokenClient;
    private String token;
    private Instant tokenExpires = Instant.MIN;

    OutboundAuth(String system, HttpAuth auth, ObjectMapper json, Clock clock) {
        this.system = system;
        this.json = json;
        this.auth = auth;
        this.clock = clock;
        switch (auth.mode()) {
            case BEARER -> require(auth.token(), "token");
            case BASIC -> {
                require(auth.username(), "username");
                require(auth.password(), "password");
            }
            case OAUTH2 -> {
                require(auth.clientId(), "client-id");
                require(auth.clientSecret(), "client-secret");
                require(auth.tokenEndpoint() == null ? null : auth.tokenEndpoint().toString(), "token-endpoint");
            }
            case NONE -> { }
        }
        this.tokenClient = auth.mode() == HttpAuth.Mode.OAUTH2
                ? HttpClient.newBuilder().connectTimeout(TOKEN_TIMEOUT).build()
                : null;
    }

    @Override
    public void configureHttpClient(HttpClientBuilder builder) {
        if (auth.mode() == HttpAuth.Mode.NONE) {
            return;
        }
        builder.addRequestInterceptorFirst((request, entity, context) -> request.setHeader(HttpHeaders.AUTHORIZATION, authorization()));
        if (auth.mode() == HttpAuth.Mode.OAUTH2) {
            builder.addResponseInterceptorLast((response, entity, context) -> {
                if (response.getCode() == 401) {
                    forgetToken();
                }
            });
        }
    }

    /** The {@code Authorization} header value, or null in {@code none} mode. */
    String authorization() throws IOException {
        return switch (auth.mode()) {
            case NONE -> null;
            case BEARER -> "Bearer " + auth.token();
            case BASIC -> "Basic " + Base64.getEncoder().encodeToString(
                    (auth.username() + ":" + auth.password()).getBytes(StandardCharsets.UTF_8));
            case OAUTH2 -> "Bearer " + oauth2Token();
        };
    }

    private synchronized String oauth2Token() throws IOException {
        if (token != null && clock.instant().isBefore(tokenExpires)) {
            return token;
        }
        String form = "grant_type=client_credentials&client_id=" + encode(auth.clientId())
                + "&client_secret=" + encode(auth.clientSecret())
                + (auth.scope() == null || auth.scope().isBlank() ? "" : "&scope=" + encode(auth.scope()));
        HttpRequest request = HttpRequest.newBuilder(auth.tokenEndpoint())
                .timeout(TOKEN_TIMEOUT)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(form))
                .build();
        HttpResponse<String> response;
        try {
            response = tokenClient.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while fetching the " + system + " token", e);
        }
        if (response.statusCode() != 200) {
            LOG.warn("The {} token endpoint {} answered HTTP {}", system, auth.tokenEndpoint(), response.statusCode());
            throw new IOException("The " + system + " token endpoint answered HTTP " + response.statusCode());
        }
        JsonNode answer = json.readTree(response.body());
        String accessToken = answer.path("access_token").asText(null);
        if (accessToken == null || accessToken.isBlank()) {
            throw new IOException("The " + system + " token endpoint answered without an access_token");
        }
        Duration lifetime = answer.hasNonNull("expires_in") ? Duration.ofSeconds(answer.get("expires_in").asLong()) : DEFAULT_LIFETIME;
        token = accessToken;
        // Renew a minute early; a token that lives less than two minutes is renewed halfway.
        Duration margin = lifetime.compareTo(EXPIRY_MARGIN.multipliedBy(2)) > 0 ? EXPIRY_MARGIN : lifetime.dividedBy(2);
        tokenExpires = clock.instant().plus(lifetime).minus(margin);
        return token;
    }

    private synchronized void forgetToken() {
        LOG.info("{} answered 401: its OAuth 2.0 token is dropped and fetched again at the next attempt", system);
        token = null;
    }

    private void require(String value, String key) {
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("bridge." + system + ".auth.mode=" + auth.mode().name().toLowerCase()
                    + " needs bridge." + system + ".auth." + key);
        }
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
