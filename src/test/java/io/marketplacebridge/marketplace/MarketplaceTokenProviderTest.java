package io.marketplacebridge.marketplace;

import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code entra} mode against an Entra ID token endpoint on WireMock over HTTPS (msal4j refuses plain HTTP).
 * WireMock's certificate is self-signed, so this test trusts it for the JVM's default HTTPS connections while it runs.
 */
class MarketplaceTokenProviderTest {

    private static final String TENANT = "11111111-2222-3333-4444-555555555555";
    private static final String TOKEN_PATH = "/" + TENANT + "/oauth2/v2.0/token";

    private static WireMockServer entra;
    private static SSLSocketFactory defaultFactory;
    private static HostnameVerifier defaultVerifier;

    @BeforeAll
    static void startEntra() throws Exception {
        entra = new WireMockServer(options().dynamicPort().dynamicHttpsPort());
        entra.start();
        defaultFactory = HttpsURLConnection.getDefaultSSLSocketFactory();
        defaultVerifier = HttpsURLConnection.getDefaultHostnameVerifier();
        SSLContext trustingWireMock = SSLContext.getInstance("TLS");
        trustingWireMock.init(null, new TrustManager[] {new TrustAll()}, new SecureRandom());
        HttpsURLConnection.setDefaultSSLSocketFactory(trustingWireMock.getSocketFactory());
        HttpsURLConnection.setDefaultHostnameVerifier((host, session) -> "localhost".equals(host));
    }

    @AfterAll
    static void stopEntra() {
        HttpsURLConnection.setDefaultSSLSocketFactory(defaultFactory);
        HttpsURLConnection.setDefaultHostnameVerifier(defaultVerifier);
        entra.stop();
    }

    @Test
    void reusesTheTokenUntilARefreshIsAsked() throws Exception {
        stubTokens();
        MarketplaceTokenProvider provider = new MarketplaceTokenProvider(properties(AuthMode.ENTRA, "s3cret", null, null));

        String first = provider.authorization(false);
        String again = provider.authorization(false);
        String refreshed = provider.authorization(true);

        assertThat(first).isEqualTo("Bearer token-1");
        assertThat(again).isEqualTo("Bearer token-1");
        assertThat(refreshed).isEqualTo("Bearer token-2");
        entra.verify(2, postRequestedFor(urlPathEqualTo(TOKEN_PATH))
                .withRequestBody(containing("grant_type=client_credentials"))
                .withRequestBody(containing("client_id=app-id"))
                .withRequestBody(containing("client_secret=s3cret"))
                .withRequestBody(containing("20e940b3-4c77-4b0b-9a53-9e16a1b010a7%2F.default")));
    }

    @Test
    void renewsATokenThatIsAboutToExpire() throws Exception {
        entra.resetAll();
        entra.stubFor(post(urlPathEqualTo(TOKEN_PATH))
                .willReturn(okJson("{\"token_type\":\"Bearer\",\"expires_in\":120,\"access_token\":\"short-lived\"}")));
        MarketplaceTokenProvider provider = new MarketplaceTokenProvider(properties(AuthMode.ENTRA, "s3cret", null, null));

        provider.authorization(false);
        provider.authorization(false);

        entra.verify(2, postRequestedFor(urlPathEqualTo(TOKEN_PATH)));
    }

    @Test
    void certificateCredentialSendsASignedAssertionInsteadOfASecret(@TempDir Path dir) throws Exception {
        stubTokens();
        Path keystore = dir.resolve("app.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "app", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=bridge-test",
                "-validity", "2", "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", "changeit")
                .inheritIO().start();
        assertThat(keytool.waitFor()).isZero();
        MarketplaceTokenProvider provider = new MarketplaceTokenProvider(properties(AuthMode.ENTRA, null, keystore, "changeit"));

        String authorization = provider.authorization(false);

        assertThat(authorization).startsWith("Bearer token-");
        entra.verify(postRequestedFor(urlPathEqualTo(TOKEN_PATH))
                .withRequestBody(containing("client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"))
                .withRequestBody(containing("client_assertion=")));
    }

    @Test
    void staticModeSendsTheConfiguredToken() throws Exception {
        MarketplaceTokenProvider provider = new MarketplaceTokenProvider(properties(AuthMode.STATIC, null, null, null));

        assertThat(provider.authorization(true)).isEqualTo("Bearer fixed-token");
    }

    @Test
    void entraModeWithoutCredentialsRefusesToStart() {
        assertThatThrownBy(() -> new MarketplaceTokenProvider(properties(AuthMode.ENTRA, null, null, null)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("client-secret");
    }

    private static void stubTokens() {
        entra.resetAll();
        entra.stubFor(post(urlPathEqualTo(TOKEN_PATH)).inScenario("tokens").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(okJson("{\"token_type\":\"Bearer\",\"expires_in\":3600,\"ext_expires_in\":3600,\"access_token\":\"token-1\"}"))
                .willSetStateTo("second"));
        entra.stubFor(post(urlPathEqualTo(TOKEN_PATH)).inScenario("tokens").whenScenarioStateIs("second")
                .willReturn(okJson("{\"token_type\":\"Bearer\",\"expires_in\":3600,\"ext_expires_in\":3600,\"access_token\":\"token-2\"}")));
    }

    private static MarketplaceProperties properties(AuthMode mode, String secret, Path certificate, String password) {
        Auth auth = new Auth(mode, TENANT, "app-id", secret, certificate, password, "fixed-token",
                URI.create("https://localhost:" + entra.httpsPort()), "20e940b3-4c77-4b0b-9a53-9e16a1b010a7/.default",
                Duration.ofSeconds(10));
        return new MarketplaceProperties(URI.create("http://localhost/api"), "2018-08-31", Duration.ofSeconds(2),
                Duration.ofSeconds(10), Duration.ofSeconds(3), 2, Duration.ofMillis(10), Duration.ofSeconds(1),
                Duration.ofSeconds(8), auth);
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
