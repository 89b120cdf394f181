package io.marketplacebridge.webhook;

import com.nimbusds.jose.proc.JWSKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.proc.ConfigurableJWTProcessor;
import io.marketplacebridge.web.ProblemException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.apache.camel.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.web.client.RestTemplateBuilder;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtAudienceValidator;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.stereotype.Component;

/**
 * Checks the Entra ID bearer token of Microsoft's webhook calls (docs/marketplace-contract.md §6): an RS256 signature by
 * the key of the configured key set that the token names in {@code kid} (cached, fetched again for an unknown one; a
 * token naming none is refused), {@code exp}/{@code nbf} with a
 * small skew, {@code aud} = our app id, {@code tid} = our tenant, the v1 or v2 issuer of that tenant, and the
 * marketplace's app id in {@code azp} (v2) or {@code appid} (v1). A refused token is logged once, without the
 * token, and becomes a {@code 401} problem.
 */
@Component
public class WebhookJwtVerifier {

    /** The Microsoft marketplace API app: the only caller of the webhook. */
    public static final String MARKETPLACE_APP_ID = "20e940b3-4c77-4b0b-9a53-9e16a1b010a7";

    static final Duration CLOCK_SKEW = Duration.ofMinutes(1);

    private static final Duration KEY_SET_TIMEOUT = Duration.ofSeconds(5);
    private static final String BEARER = "bearer ";
    private static final Logger LOG = LoggerFactory.getLogger(WebhookJwtVerifier.class);

    private final NimbusJwtDecoder decoder;

    public WebhookJwtVerifier(WebhookProperties properties) {
        if (properties.validation() == WebhookProperties.Validation.NONE) {
            LOG.warn("bridge.webhook.validation=none: the webhook accepts calls WITHOUT checking Microsoft's token."
                    + " Anyone who can reach /api/webhook can inject notifications; never run like this in production.");
            this.decoder = null;
            return;
        }
        require(properties.audience(), "audience");
        require(properties.tenantId(), "tenant-id");
        if (properties.jwksUri() == null || properties.jwksUri().toString().isBlank()) {
            throw new IllegalStateException("bridge.webhook.validation=jwt needs bridge.webhook.jwks-uri");
        }
        this.decoder = NimbusJwtDecoder.withJwkSetUri(properties.jwksUri().toString())
                .jwsAlgorithm(SignatureAlgorithm.RS256)
                .restOperations(new RestTemplateBuilder()
                        .connectTimeout(KEY_SET_TIMEOUT)
                        .readTimeout(KEY_SET_TIMEOUT)
                        .build())
                .jwtProcessorCustomizer(WebhookJwtVerifier::requireKeyId)
                .build();
        decoder.setJwtValidator(validator(properties.audience(), properties.tenantId()));
    }

    /**
     * Accepts the call or throws a {@code 401} problem.
     *
     * @param authorization the {@code Authorization} header, {@code Bearer <jwt>}
     * @throws ProblemException 401 for a missing or refused token, 503 when the key set cannot be fetched
     */
    public void verify(@Header("Authorization") String authorization) {
        if (decoder == null) {
            return;
        }
        if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())
                || authorization.substring(BEARER.length()).isBlank()) {
            throw refused("no bearer token in the Authorization header");
        }
        try {
            decoder.decode(authorization.substring(BEARER.length()).trim());
        } catch (BadJwtException e) {
            throw refused(e.getMessage());
        } catch (JwtException e) {
            // The keys could not be fetched: our side failed, and Microsoft retries a non-2xx answer.
            LOG.error("Webhook call not checked: the signing keys are unavailable: {}", e.getMessage());
            throw new ProblemException(503, "The webhook's token cannot be checked now; try again later.");
        }
    }

    /**
     * A token must name its signing key ({@code kid}), as Entra ID's always do: without one, Nimbus tries every key
     * of the set, so a token could pass without saying which key signed it (docs/marketplace-contract.md §6.2).
     * Offering no key refuses it like a signature that does not verify.
     */
    private static void requireKeyId(ConfigurableJWTProcessor<SecurityContext> processor) {
        JWSKeySelector<SecurityContext> keys = processor.getJWSKeySelector();
        processor.setJWSKeySelector((header, context) -> header.getKeyID() == null || header.getKeyID().isBlank()
                ? List.of() : keys.selectJWSKeys(header, context));
    }

    private static ProblemException refused(String reason) {
        LOG.warn("Webhook call refused (401): {}", reason);
        return new ProblemException(401, "The webhook call needs a valid bearer token from the Microsoft marketplace.");
    }

    static OAuth2TokenValidator<Jwt> validator(String audience, String tenantId) {
        Set<String> issuers = Set.of(
                "https://sts.windows.net/" + tenantId + "/",
                "https://login.microsoftonline.com/" + tenantId + "/v2.0");
        List<OAuth2TokenValidator<Jwt>> validators = new ArrayList<>();
        validators.add(new JwtTimestampValidator(CLOCK_SKEW));
        validators.add(new JwtClaimValidator<Instant>(JwtClaimNames.EXP, Objects::nonNull));
        validators.add(new JwtAudienceValidator(audience));
        validators.add(new JwtClaimValidator<String>("tid", tenantId::equalsIgnoreCase));
        validators.add(new JwtClaimValidator<Object>(JwtClaimNames.ISS, issuer -> issuer != null && issuers.contains(issuer.toString())));
        validators.add(WebhookJwtVerifier::callerIsTheMarketplace);
        return new DelegatingOAuth2TokenValidator<>(validators);
    }

    /** v2 tokens name the calling app in {@code azp}, v1 tokens in {@code appid}. */
    private static OAuth2TokenValidatorResult callerIsTheMarketplace(Jwt jwt) {
        String caller = jwt.hasClaim("azp") ? jwt.getClaimAsString("azp") : jwt.getClaimAsString("appid");
        if (MARKETPLACE_APP_ID.equalsIgnoreCase(caller)) {
            return OAuth2TokenValidatorResult.success();
        }
        return OAuth2TokenValidatorResult.failure(new OAuth2Error(OAuth2ErrorCodes.INVALID_TOKEN,
                "The calling app (azp/appid) is not the Microsoft marketplace", null));
    }

    private static void require(String value, String key) {
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("bridge.webhook.validation=jwt needs bridge.webhook." + key
                    + " (the technical configuration's " + (key.equals("audience") ? "application id" : "tenant id")
                    + "); set bridge.webhook.validation=none only for a local test");
        }
    }
}
