package io.marketplacebridge.marketplace;

import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import io.marketplacebridge.marketplace.MarketplaceProperties.Auth;
import io.marketplacebridge.marketplace.MarketplaceProperties.AuthMode;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import javax.net.ssl.HostnameVerifier;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Entra ID's token endpoint for the publisher's tenant ({@code /{tenant}/oauth2/v2.0/token}) on WireMock over HTTPS:
 * msal4j refuses plain HTTP. WireMock's certificate is self-signed, so while the stub runs the JVM's default HTTPS
 * connections (which msal4j uses) trust it; {@link #close()} puts the defaults back.
 */
public final class EntraTokenStub implements AutoCloseable {

    public static final String TENANT = "11111111-2222-3333-4444-555555555555";
    public static final String TOKEN_PATH = "/" + TENANT + "/oauth2/v2.0/token";
    public static final String SCOPE = "20e940b3-4c77-4b0b-9a53-9e16a1b010a7/.default";

    private final WireMockServer server;
    private final SSLSocketFactory defaultFactory;
    private final HostnameVerifier defaultVerifier;

    public EntraTokenStub() throws Exception {
        server = new WireMockServer(options().dynamicPort().dynamicHttpsPort());
        server.start();
        defaultFactory = HttpsURLConnection.getDefaultSSLSocketFactory();
        defaultVerifier = HttpsURLConnection.getDefaultHostnameVerifier();
        SSLContext trustingWireMock = SSLContext.getInstance("TLS");
        trustingWireMock.init(null, new TrustManager[] {new TrustAll()}, new SecureRandom());
        HttpsURLConnection.setDefaultSSLSocketFactory(trustingWireMock.getSocketFactory());
        HttpsURLConnection.setDefaultHostnameVerifier((host, session) -> "localhost".equals(host));
    }

    /** The server, to stub other answers and verify what the bridge asked. */
    public WireMockServer server() {
        return server;
    }

    /** Entra ID grants {@code token-1}, then {@code token-2} for every later request, each for an hour. */
    public void grantsTokens() {
        server.resetAll();
        server.stubFor(post(urlPathEqualTo(TOKEN_PATH)).inScenario("tokens").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(okJson("{\"token_type\":\"Bearer\",\"expires_in\":3600,\"ext_expires_in\":3600,\"access_token\":\"token-1\"}"))
                .willSetStateTo("second"));
        server.stubFor(post(urlPathEqualTo(TOKEN_PATH)).inScenario("tokens").whenScenarioStateIs("second")
                .willReturn(okJson("{\"token_type\":\"Bearer\",\"expires_in\":3600,\"ext_expires_in\":3600,\"access_token\":\"token-2\"}")));
    }

    /**
     * Settings of the bridge's {@code bridge.marketplace} against this stub, for app {@code app-id}: the secret, or
     * the certificate file and its password, with a certificate warning of 30 days.
     */
    public MarketplaceProperties properties(AuthMode mode, String secret, Path certificate, String password) {
        Auth auth = new Auth(mode, TENANT, "app-id", secret, certificate, password, Duration.ofDays(30), "fixed-token",
                URI.create("https://localhost:" + server.httpsPort()), SCOPE, Duration.ofSeconds(10));
        return new MarketplaceProperties(URI.create("http://localhost/api"), "2018-08-31", Duration.ofSeconds(2),
                Duration.ofSeconds(10), Duration.ofSeconds(3), 2, Duration.ofMillis(10), Duration.ofSeconds(1),
                Duration.ofSeconds(8), auth);
    }

    @Override
    public void close() {
        HttpsURLConnection.setDefaultSSLSocketFactory(defaultFactory);
        HttpsURLConnection.setDefaultHostnameVerifier(defaultVerifier);
        server.stop();
    }

    private static final class TrustAll implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
