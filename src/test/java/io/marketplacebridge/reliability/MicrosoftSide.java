package io.marketplacebridge.reliability;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.extension.ResponseTransformerV2;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.http.HttpHeader;
import com.github.tomakehurst.wiremock.http.Response;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.nimbusds.jose.jwk.JWKSet;
import io.marketplacebridge.webhook.MicrosoftWebhook;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Microsoft's side for {@link MicrosoftFaultsIT}: one WireMock server on real sockets, in the test's JVM, serving the
 * Fulfillment API and the metering API ({@code /api/…}), Entra ID's token endpoint (over HTTPS, which msal4j
 * requires, with a certificate for {@code localhost} that the bridge's JVM trusts through its trust store), the
 * webhook's key set, and the publisher's systems at the {@code simulated} profile's paths (they answer 200). A fault
 * is injected on one call by {@link #faultsThen}: the first {@code times} requests matching a mapping get the fault,
 * the later ones the normal answer.
 */
final class MicrosoftSide implements AutoCloseable {

    /** The publisher's Entra tenant and app of the token request. */
    static final String TENANT = "11111111-2222-3333-4444-555555555555";
    static final String TOKEN_PATH = "/" + TENANT + "/oauth2/v2.0/token";
    /** The fake client secret (never a real one); the logs must not show it. */
    static final String CLIENT_SECRET = "msfaults-not-a-secret";
    private static final String STORE_PASSWORD = "msfaults-store";

    /** The faults of issue 20, scenario 5. */
    static final List<String> KINDS = List.of("429-seconds", "429-date", "401", "500", "timeout", "reset");

    private final WireMockServer server;
    private final Path trustStore;
    private final Duration timeoutDelay;

    private MicrosoftSide(WireMockServer server, Path trustStore, Duration timeoutDelay) {
        this.server = server;
        this.trustStore = trustStore;
        this.timeoutDelay = timeoutDelay;
    }

    /**
     * Starts the server with a fresh key pair for {@code localhost} in {@code work}.
     *
     * @param timeoutDelay how long a "timeout" fault keeps the bridge waiting: longer than its time-out
     */
    static MicrosoftSide start(Path work, Duration timeoutDelay) throws IOException, InterruptedException {
        Path keyStore = work.resolve("microsoft-side.p12");
        Path certificate = work.resolve("microsoft-side.crt");
        Path trustStore = work.resolve("bridge-truststore.p12");
        keytool("-genkeypair", "-alias", "localhost", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-keystore", keyStore.toString(),
                "-storetype", "PKCS12", "-storepass", STORE_PASSWORD, "-keypass", STORE_PASSWORD);
        keytool("-exportcert", "-alias", "localhost", "-keystore", keyStore.toString(), "-storetype", "PKCS12",
                "-storepass", STORE_PASSWORD, "-rfc", "-file", certificate.toString());
        keytool("-importcert", "-noprompt", "-alias", "microsoft-side", "-file", certificate.toString(), "-keystore",
                trustStore.toString(), "-storetype", "PKCS12", "-storepass", STORE_PASSWORD);
        WireMockServer server = new WireMockServer(options().dynamicPort().dynamicHttpsPort()
                .keystorePath(keyStore.toString()).keystoreType("PKCS12").keystorePassword(STORE_PASSWORD)
                .keyManagerPassword(STORE_PASSWORD).containerThreads(60).jettyAcceptors(2).extensions(new RetryAfterDate()));
        server.start();
        MicrosoftSide side = new MicrosoftSide(server, trustStore, timeoutDelay);
        side.stubDefaults();
        return side;
    }

    private static void keytool(String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException("keytool " + String.join(" ", arguments) + " failed: " + output);
        }
    }

    private void stubDefaults() {
        // Every token request gets a new token, so that a test sees which token a request carried.
        server.stubFor(post(urlPathEqualTo(TOKEN_PATH)).atPriority(5).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withTransformers("response-template")
                .withBody("{\"token_type\":\"Bearer\",\"expires_in\":3600,\"ext_expires_in\":3600,"
                        + "\"access_token\":\"token-{{randomValue length=12 type='ALPHANUMERIC'}}\"}")));
        server.stubFor(get(urlPathEqualTo(MicrosoftWebhook.JWKS_PATH)).atPriority(1).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json")
                .withBody(new JWKSet(MicrosoftWebhook.ENTRA_KEY.toPublicJWK()).toString())));
        server.stubFor(post(urlPathMatching("/sandbox/recorder/(provisioning|billing|crm)")).atPriority(9)
                .willReturn(aResponse().withStatus(200)));
    }

    /** The server, to stub and to read what the bridge sent. */
    WireMockServer server() {
        return server;
    }

    String url() {
        return "http://localhost:" + server.port();
    }

    /** The bridge's arguments against this side: the simulated profile's settings, Microsoft's URLs here, Entra tokens. */
    List<String> bridgeArguments() {
        return List.of("--spring.profiles.active=simulated", "--bridge.simulator.url=" + url(),
                "--bridge.marketplace.api-url=" + url() + "/api",
                "--bridge.marketplace.auth.mode=entra", "--bridge.marketplace.auth.tenant-id=" + TENANT,
                "--bridge.marketplace.auth.client-id=msfaults-app", "--bridge.marketplace.auth.client-secret=" + CLIENT_SECRET,
                "--bridge.marketplace.auth.authority-url=https://localhost:" + server.httpsPort(),
                "--bridge.webhook.jwks-uri=" + url() + MicrosoftWebhook.JWKS_PATH,
                "--bridge.webhook.tenant-id=" + MicrosoftWebhook.TENANT, "--bridge.webhook.audience=" + MicrosoftWebhook.AUDIENCE);
    }

    /** The JVM options that make the bridge trust this side's certificate (and only for its own trust store). */
    List<String> bridgeJvmOptions() {
        return List.of("-Djavax.net.ssl.trustStore=" + trustStore, "-Djavax.net.ssl.trustStoreType=PKCS12",
                "-Djavax.net.ssl.trustStorePassword=" + STORE_PASSWORD);
    }

    /**
     * Stubs {@code request} to answer {@code kind}'s fault to its first {@code times} requests and {@code answer}
     * after (a scenario named {@code scenario}). Answers the {@code Retry-After} date of a {@code 429-date} fault.
     */
    void faultsThen(String scenario, Supplier<MappingBuilder> request, String kind, int times, ResponseDefinitionBuilder answer) {
        for (int i = 0; i < times; i++) {
            server.stubFor(request.get().atPriority(1).inScenario(scenario)
                    .whenScenarioStateIs(i == 0 ? Scenario.STARTED : "fault-" + i)
                    .willSetStateTo(i + 1 == times ? "answered" : "fault-" + (i + 1))
                    .willReturn(fault(kind)));
        }
        server.stubFor(request.get().atPriority(1).inScenario(scenario)
                .whenScenarioStateIs(times == 0 ? Scenario.STARTED : "answered").willReturn(answer));
    }

    /** {@code request} answers {@code kind}'s fault every time. */
    void alwaysFaults(Supplier<MappingBuilder> request, String kind) {
        server.stubFor(request.get().atPriority(1).willReturn(fault(kind)));
    }

    /** How long a 429 of the seconds form asks the bridge to wait; the date form names a time 2 to 3 s on. */
    static final Duration RETRY_AFTER = Duration.ofSeconds(2);

    ResponseDefinitionBuilder fault(String kind) {
        return switch (kind) {
            case "429-seconds" -> aResponse().withStatus(429).withHeader("Retry-After", String.valueOf(RETRY_AFTER.toSeconds()))
                    .withHeader("Content-Type", "application/json").withBody("{\"error\":{\"code\":\"TooManyRequests\"}}");
            case "429-date" -> aResponse().withStatus(429).withTransformers("retry-after-date")
                    .withHeader("Content-Type", "application/json").withBody("{\"error\":{\"code\":\"TooManyRequests\"}}");
            case "401" -> aResponse().withStatus(401).withHeader("Content-Type", "application/json")
                    .withBody("{\"error\":{\"code\":\"Unauthorized\",\"message\":\"The token expired\"}}");
            case "500" -> aResponse().withStatus(500).withHeader("Content-Type", "application/json")
                    .withBody("{\"error\":{\"code\":\"InternalServerError\"}}");
            case "timeout" -> aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody("{}")
                    .withFixedDelay((int) timeoutDelay.toMillis());
            case "reset" -> aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER);
            default -> throw new IllegalArgumentException(kind);
        };
    }

    /** An HTTP date 2 to 3 s after {@code now} (the next whole second, and 2 more): the date form of Retry-After. */
    static String retryAfterDate(Instant now) {
        return DateTimeFormatter.RFC_1123_DATE_TIME.format(now.truncatedTo(ChronoUnit.SECONDS).plusSeconds(3)
                .atOffset(ZoneOffset.UTC));
    }

    /** Adds the {@code Retry-After} HTTP date to the answers that ask for it (the date of the moment they are sent). */
    static final class RetryAfterDate implements ResponseTransformerV2 {

        @Override
        public Response transform(Response response, ServeEvent serveEvent) {
            return Response.Builder.like(response).but()
                    .headers(response.getHeaders().plus(new HttpHeader("Retry-After", retryAfterDate(Instant.now()))))
                    .build();
        }

        @Override
        public boolean applyGlobally() {
            return false;
        }

        @Override
        public String getName() {
            return "retry-after-date";
        }
    }

    @Override
    public void close() throws IOException {
        server.stop();
        Files.deleteIfExists(trustStore);
    }
}
