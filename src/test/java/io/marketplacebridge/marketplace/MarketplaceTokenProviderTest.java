package io.marketplacebridge.marketplace;

import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.notContaining;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.marketplacebridge.marketplace.EntraTokenStub.TOKEN_PATH;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.marketplacebridge.marketplace.MarketplaceProperties.AuthMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * The {@code entra} mode against an Entra ID token endpoint on WireMock over HTTPS ({@link EntraTokenStub}), with a
 * secret and with certificates made as an operator makes them ({@link TestCertificates}).
 */
@ExtendWith(OutputCaptureExtension.class)
class MarketplaceTokenProviderTest {

    private static EntraTokenStub stub;
    private static WireMockServer entra;

    @BeforeAll
    static void startEntra() throws Exception {
        stub = new EntraTokenStub();
        entra = stub.server();
    }

    @AfterAll
    static void stopEntra() {
        stub.close();
    }

    @Test
    void reusesTheTokenUntilARefreshIsAsked() throws Exception {
        stub.grantsTokens();
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
        assertThat(provider.certificate()).isNull();
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
    void certificateCredentialSendsASignedAssertionInsteadOfASecret(@TempDir Path dir, CapturedOutput output) throws Exception {
        stub.grantsTokens();
        Path keystore = TestCertificates.pkcs12(dir, "app", null, 2);
        MarketplaceTokenProvider provider = new MarketplaceTokenProvider(properties(AuthMode.ENTRA, null, keystore, TestCertificates.PASSWORD));

        String authorization = provider.authorization(false);

        assertThat(authorization).startsWith("Bearer token-");
        entra.verify(postRequestedFor(urlPathEqualTo(TOKEN_PATH))
                .withRequestBody(containing("client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"))
                .withRequestBody(containing("client_assertion="))
                .withRequestBody(notContaining("client_secret")));
        assertThat(provider.certificate().subject()).isEqualTo("CN=bridge-test");
        assertThat(provider.certificate().thumbprint()).matches("[0-9A-F]{40}");
        assertThat(provider.certificate().notAfter()).isCloseTo(Instant.now().plus(2, ChronoUnit.DAYS), within(1, ChronoUnit.MINUTES));
        assertThat(output.getOut()).contains("WARN").contains("The certificate of bridge.marketplace.auth.certificate-path (CN=bridge-test,"
                + " thumbprint " + provider.certificate().thumbprint() + ") expires at " + provider.certificate().notAfter());
    }

    @Test
    void certificateExpiringAfterTheWarningLogsNothingAtStart(@TempDir Path dir, CapturedOutput output) throws Exception {
        Path keystore = TestCertificates.pkcs12(dir, "app", null, 31);

        new MarketplaceTokenProvider(properties(AuthMode.ENTRA, null, keystore, TestCertificates.PASSWORD));

        assertThat(output.getOut()).doesNotContain("The certificate of bridge.marketplace.auth.certificate-path");
    }

    @Test
    void pemFileWithThePlainOrEncryptedKeyIsTheSameCredential(@TempDir Path dir) throws Exception {
        Path keystore = TestCertificates.pkcs12(dir, "app", null, 90);
        Path plain = TestCertificates.pem(keystore, dir.resolve("app.pem"), null);
        Path encrypted = TestCertificates.pem(keystore, dir.resolve("app-encrypted.pem"), "pem-password");
        String thumbprint = new MarketplaceTokenProvider(properties(AuthMode.ENTRA, null, keystore, TestCertificates.PASSWORD))
                .certificate().thumbprint();

        for (MarketplaceProperties settings : new MarketplaceProperties[] {properties(AuthMode.ENTRA, null, plain, null),
                properties(AuthMode.ENTRA, null, encrypted, "pem-password")}) {
            stub.grantsTokens();
            MarketplaceTokenProvider provider = new MarketplaceTokenProvider(settings);

            assertThat(provider.authorization(false)).isEqualTo("Bearer token-1");
            assertThat(provider.certificate().thumbprint()).isEqualTo(thumbprint);
            entra.verify(postRequestedFor(urlPathEqualTo(TOKEN_PATH)).withRequestBody(containing("client_assertion=")));
        }
    }

    @Test
    void certificateFileThatCannotBeUsedRefusesToStartSayingWhyWithoutThePassword(@TempDir Path dir) throws Exception {
        Path keystore = TestCertificates.pkcs12(dir, "app", null, 90);
        Path encrypted = TestCertificates.pem(keystore, dir.resolve("app-encrypted.pem"), "pem-password");
        Path pkcs1 = Files.writeString(dir.resolve("pkcs1.pem"), "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");

        assertThatThrownBy(() -> new MarketplaceTokenProvider(properties(AuthMode.ENTRA, null, encrypted, "wrong-pem-password")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(encrypted.toString()).hasMessageContaining("wrong certificate-password")
                .hasMessageNotContaining("wrong-pem-password");
        assertThatThrownBy(() -> new MarketplaceTokenProvider(properties(AuthMode.ENTRA, null, encrypted, null)))
                .hasMessageContaining("set bridge.marketplace.auth.certificate-password");
        assertThatThrownBy(() -> new MarketplaceTokenProvider(properties(AuthMode.ENTRA, null, pkcs1, null)))
                .hasMessageContaining("openssl pkcs8 -topk8");
        assertThatThrownBy(() -> new MarketplaceTokenProvider(properties(AuthMode.ENTRA, null, dir.resolve("missing.p12"), null)))
                .hasMessageContaining("cannot be read");
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

    private static MarketplaceProperties properties(AuthMode mode, String secret, Path certificate, String password) {
        return stub.properties(mode, secret, certificate, password);
    }
}
