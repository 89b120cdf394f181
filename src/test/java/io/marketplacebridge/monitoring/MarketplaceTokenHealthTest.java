package io.marketplacebridge.monitoring;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.marketplacebridge.marketplace.EntraTokenStub.TOKEN_PATH;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.marketplacebridge.marketplace.EntraTokenStub;
import io.marketplacebridge.marketplace.MarketplaceProperties.AuthMode;
import io.marketplacebridge.marketplace.MarketplaceTokenProvider;
import io.marketplacebridge.marketplace.TestCertificates;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;

/**
 * Health component {@code marketplaceToken} and the gauge {@code bridge_marketplace_certificate_expiry_seconds} with
 * a certificate credential: a token fetched from Entra ID (the HTTPS stub) with certificates keytool made, one
 * expiring within {@code bridge.marketplace.auth.certificate-warning} (30 days), one later, one expired.
 */
class MarketplaceTokenHealthTest {

    private static final Pattern GAUGE = Pattern.compile("(?m)^bridge_marketplace_certificate_expiry_seconds (\\S+)$");

    private static EntraTokenStub entra;

    @TempDir
    Path dir;

    @BeforeAll
    static void startEntra() throws Exception {
        entra = new EntraTokenStub();
    }

    @AfterAll
    static void stopEntra() {
        entra.close();
    }

    @Test
    void certificateExpiringWithinTheWarningIsUpWithItsExpiryAndAWarning() throws Exception {
        entra.grantsTokens();
        MarketplaceTokenProvider tokens = provider(TestCertificates.pkcs12(dir, "soon", null, 2));

        Health health = new BridgeHealth().marketplaceToken(tokens).health();

        assertThat(health.getStatus()).isEqualTo(Status.UP);
        Map<String, Object> certificate = certificate(health);
        assertThat(certificate).containsEntry("subject", "CN=bridge-test").containsEntry("expiresInDays", 1L)
                .containsEntry("thumbprint", tokens.certificate().thumbprint());
        assertThat(Instant.parse((String) certificate.get("notAfter"))).isCloseTo(Instant.now().plus(Duration.ofDays(2)),
                within(Duration.ofMinutes(1)));
        assertThat((String) health.getDetails().get("warning"))
                .startsWith("The certificate CN=bridge-test (thumbprint " + tokens.certificate().thumbprint() + ") expires at "
                        + certificate.get("notAfter") + ", in 1 day(s)")
                .contains("bridge.marketplace.auth.certificate-warning, 30 days", "upload its successor to the app registration");
        entra.server().verify(postRequestedFor(urlPathEqualTo(TOKEN_PATH)).withRequestBody(containing("client_assertion=")));
        assertThat(expirySeconds(tokens)).isBetween(Duration.ofDays(2).minusMinutes(1).toSeconds() * 1.0,
                Duration.ofDays(2).toSeconds() * 1.0);
    }

    @Test
    void certificateExpiringLaterIsUpWithItsExpiryAndNoWarning() throws Exception {
        entra.grantsTokens();
        MarketplaceTokenProvider tokens = provider(TestCertificates.pkcs12(dir, "later", null, 365));

        Health health = new BridgeHealth().marketplaceToken(tokens).health();

        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(certificate(health)).containsEntry("expiresInDays", 364L);
        assertThat(health.getDetails()).doesNotContainKey("warning");
        assertThat(expirySeconds(tokens)).isGreaterThan(Duration.ofDays(364).toSeconds());
    }

    @Test
    void expiredCertificateThatEntraRefusesIsDownWithTheReason() throws Exception {
        entra.server().resetAll();
        entra.server().stubFor(post(urlPathEqualTo(TOKEN_PATH)).willReturn(aResponse().withStatus(401)
                .withHeader("Content-Type", "application/json").withBody("""
                        {"error":"invalid_client","error_description":"AADSTS700027: The certificate with identifier used to sign the client assertion is expired on application."}
                        """)));
        MarketplaceTokenProvider tokens = provider(TestCertificates.pkcs12(dir, "expired", "-10d", 5));

        Health health = new BridgeHealth().marketplaceToken(tokens).health();

        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat(certificate(health).get("expiresInDays")).isEqualTo(-5L);
        assertThat((String) health.getDetails().get("warning")).contains(" expired at ", "Entra ID refuses it");
        assertThat(health.getDetails()).containsKey("error").containsEntry("failures", 1L);
        assertThat(expirySeconds(tokens)).isNegative();
    }

    @Test
    void secretHasNoCertificateAndTheGaugeIsNaN() throws Exception {
        entra.grantsTokens();
        MarketplaceTokenProvider tokens = new MarketplaceTokenProvider(entra.properties(AuthMode.ENTRA, "s3cret", null, null));

        Health health = new BridgeHealth().marketplaceToken(tokens).health();

        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(health.getDetails()).doesNotContainKeys("certificate", "warning");
        assertThat(expirySeconds(tokens)).isNaN();
    }

    private static MarketplaceTokenProvider provider(Path certificate) {
        return new MarketplaceTokenProvider(entra.properties(AuthMode.ENTRA, null, certificate, TestCertificates.PASSWORD));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> certificate(Health health) {
        return (Map<String, Object>) health.getDetails().get("certificate");
    }

    /** The gauge as Prometheus scrapes it. */
    private static double expirySeconds(MarketplaceTokenProvider tokens) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new MonitoringConfiguration().certificateExpiry(tokens).bindTo(registry);
        Matcher gauge = GAUGE.matcher(registry.scrape());
        assertThat(gauge.find()).as(registry.scrape()).isTrue();
        return Double.parseDouble(gauge.group(1));
    }
}
