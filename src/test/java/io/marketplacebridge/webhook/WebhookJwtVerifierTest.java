package io.marketplacebridge.webhook;

import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static io.marketplacebridge.webhook.MicrosoftWebhook.ENTRA_KEY;
import static io.marketplacebridge.webhook.MicrosoftWebhook.FORGED_KEY;
import static io.marketplacebridge.webhook.MicrosoftWebhook.JWKS_PATH;
import static io.marketplacebridge.webhook.MicrosoftWebhook.signed;
import static io.marketplacebridge.webhook.MicrosoftWebhook.unsigned;
import static io.marketplacebridge.webhook.MicrosoftWebhook.v1;
import static io.marketplacebridge.webhook.MicrosoftWebhook.v2;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.SignedJWT;
import io.marketplacebridge.web.ProblemException;
import java.net.URI;
import java.time.Instant;
import java.util.Date;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.util.unit.DataSize;

/** WebhookJwtVerifier against a key set served over HTTP, with tokens shaped like Microsoft's (section 6). */
@ExtendWith(OutputCaptureExtension.class)
class WebhookJwtVerifierTest {

    private static final WireMockServer ENTRA = new WireMockServer(options().dynamicPort());
    private static WebhookJwtVerifier verifier;

    @BeforeAll
    static void entraServesTheKeySet() {
        ENTRA.start();
        MicrosoftWebhook.settings(ENTRA, ENTRA);
        verifier = new WebhookJwtVerifier(properties(WebhookProperties.Validation.JWT));
    }

    @AfterAll
    static void stopEntra() {
        ENTRA.stop();
    }

    @Test
    void acceptsV2TokenWithAzp() {
        assertThatCode(() -> verifier.verify("Bearer " + signed(ENTRA_KEY, v2().build()))).doesNotThrowAnyException();
    }

    @Test
    void acceptsV1TokenWithAppid() {
        assertThatCode(() -> verifier.verify("Bearer " + signed(ENTRA_KEY, v1().build()))).doesNotThrowAnyException();
    }

    @Test
    void acceptsTheBearerSchemeInAnyCase() {
        assertThatCode(() -> verifier.verify("bearer " + signed(ENTRA_KEY, v2().build()))).doesNotThrowAnyException();
    }

    @Test
    void refusesMissingHeaderOrOtherScheme() {
        assertRefused(null);
        assertRefused("Basic b3BlcmF0b3I6cGFzc3dvcmQ=");
        assertRefused("Bearer ");
        assertRefused("Bearer not-a-jwt");
    }

    @Test
    void refusesSignatureOfAnotherKey() {
        assertRefused("Bearer " + signed(FORGED_KEY, v2().build()));
    }

    @Test
    void refusesUnsignedToken() {
        assertRefused("Bearer " + unsigned(v2().build()));
    }

    @Test
    void refusesTokenSignedWithHmacInsteadOfRsa() throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(ENTRA_KEY.getKeyID()).build(), v2().build());
        jwt.sign(new MACSigner(new byte[32]));

        assertRefused("Bearer " + jwt.serialize());
    }

    @Test
    void refusesTokenThatNamesNoKeyEvenSignedByTheRightOne() throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).build(), v2().build());
        jwt.sign(new RSASSASigner(ENTRA_KEY));

        assertRefused("Bearer " + jwt.serialize());
    }

    @Test
    void refusesExpiredToken() {
        assertRefused("Bearer " + signed(ENTRA_KEY, v2().expirationTime(Date.from(Instant.now().minusSeconds(300))).build()));
    }

    @Test
    void refusesTokenWithoutExpiry() {
        assertRefused("Bearer " + signed(ENTRA_KEY, v2().expirationTime(null).build()));
    }

    @Test
    void refusesTokenNotYetValid() {
        assertRefused("Bearer " + signed(ENTRA_KEY, v2().notBeforeTime(Date.from(Instant.now().plusSeconds(600))).build()));
    }

    @Test
    void refusesWrongAudience() {
        assertRefused("Bearer " + signed(ENTRA_KEY, v2().audience("another-app").build()));
    }

    @Test
    void refusesWrongTenant() {
        assertRefused("Bearer " + signed(ENTRA_KEY, v2().claim("tid", "another-tenant").build()));
    }

    @Test
    void refusesIssuerOfAnotherTenant() {
        assertRefused("Bearer " + signed(ENTRA_KEY, v2().issuer("https://login.microsoftonline.com/another-tenant/v2.0").build()));
        assertRefused("Bearer " + signed(ENTRA_KEY, v1().issuer("https://sts.windows.net/another-tenant/").build()));
    }

    @Test
    void refusesAnotherCallingApp() {
        assertRefused("Bearer " + signed(ENTRA_KEY, v2().claim("azp", "11111111-2222-3333-4444-555555555555").build()));
        assertRefused("Bearer " + signed(ENTRA_KEY, v1().claim("appid", "11111111-2222-3333-4444-555555555555").build()));
        assertRefused("Bearer " + signed(ENTRA_KEY, v2().claim("azp", null).build()));
    }

    @Test
    void logsTheReasonOnceWithoutTheToken(CapturedOutput output) {
        String token = signed(ENTRA_KEY, v2().audience("another-app").build());

        assertRefused("Bearer " + token);

        assertThat(output.getAll()).contains("Webhook call refused (401)").doesNotContain(token);
        assertThat(output.getAll().split("Webhook call refused", -1)).hasSize(2);
    }

    @Test
    void fetchesTheKeySetOnceForManyCalls() {
        int before = ENTRA.findAll(getRequestedFor(urlPathEqualTo(JWKS_PATH))).size();

        for (int i = 0; i < 5; i++) {
            verifier.verify("Bearer " + signed(ENTRA_KEY, v2().build()));
        }

        assertThat(ENTRA.findAll(getRequestedFor(urlPathEqualTo(JWKS_PATH))).size() - before).isLessThanOrEqualTo(1);
    }

    @Test
    void answers503WhenTheKeySetCannotBeFetched() {
        WebhookJwtVerifier unreachable = new WebhookJwtVerifier(new WebhookProperties(WebhookProperties.Validation.JWT,
                MicrosoftWebhook.AUDIENCE, MicrosoftWebhook.TENANT, URI.create("http://localhost:1/keys"), DataSize.ofKilobytes(64), null));

        assertThatThrownBy(() -> unreachable.verify("Bearer " + signed(ENTRA_KEY, v2().build())))
                .isInstanceOfSatisfying(ProblemException.class, problem -> assertThat(problem.getStatus()).isEqualTo(503));
    }

    @Test
    void validationNoneAcceptsAnythingAndWarnsAtStart(CapturedOutput output) {
        WebhookJwtVerifier none = new WebhookJwtVerifier(properties(WebhookProperties.Validation.NONE));

        assertThatCode(() -> none.verify(null)).doesNotThrowAnyException();
        assertThat(output.getAll()).contains("bridge.webhook.validation=none");
    }

    @Test
    void jwtValidationWithoutTenantOrAudienceRefusesToStart() {
        assertThatThrownBy(() -> new WebhookJwtVerifier(new WebhookProperties(WebhookProperties.Validation.JWT, "", MicrosoftWebhook.TENANT,
                URI.create(ENTRA.baseUrl() + JWKS_PATH), DataSize.ofKilobytes(64), null)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("bridge.webhook.audience");
        assertThatThrownBy(() -> new WebhookJwtVerifier(new WebhookProperties(WebhookProperties.Validation.JWT, MicrosoftWebhook.AUDIENCE, null,
                URI.create(ENTRA.baseUrl() + JWKS_PATH), DataSize.ofKilobytes(64), null)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("bridge.webhook.tenant-id");
    }

    private static void assertRefused(String authorization) {
        assertThatThrownBy(() -> verifier.verify(authorization))
                .isInstanceOfSatisfying(ProblemException.class, problem -> assertThat(problem.getStatus()).isEqualTo(401));
    }

    private static WebhookProperties properties(WebhookProperties.Validation validation) {
        return new WebhookProperties(validation, MicrosoftWebhook.AUDIENCE, MicrosoftWebhook.TENANT,
                URI.create(ENTRA.baseUrl() + JWKS_PATH), DataSize.ofKilobytes(64), null);
    }
}
