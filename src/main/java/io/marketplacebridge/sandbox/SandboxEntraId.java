package io.marketplacebridge.sandbox;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.marketplacebridge.webhook.WebhookJwtVerifier;
import io.marketplacebridge.webhook.WebhookProperties;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.UUID;

/**
 * Entra ID as the sandbox marketplace needs it: an RSA signing key made at start (never stored), its public key set,
 * and the v2 access tokens Microsoft puts on its webhook calls (docs/marketplace-contract.md §6), issued for the tenant
 * and audience the bridge is configured with. The bridge's real token check verifies them.
 */
public class SandboxEntraId {

    private static final Duration TOKEN_LIFETIME = Duration.ofHours(1);

    private final RSAKey key;
    private final WebhookProperties webhook;
    private final Clock clock;

    public SandboxEntraId(WebhookProperties webhook) throws JOSEException {
        this.key = new RSAKeyGenerator(2048).keyID("sandbox-" + UUID.randomUUID()).generate();
        this.webhook = webhook;
        this.clock = Clock.systemUTC();
    }

    /** The public key set, as Entra ID serves it at its {@code jwks_uri}. */
    public Map<String, Object> keySet() {
        return new JWKSet(key.toPublicJWK()).toJSONObject();
    }

    /** A fresh token for one webhook call: v2 issuer of the tenant, the publisher's app as audience, azp = marketplace. */
    public String webhookToken() {
        Instant now = clock.instant();
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer("https://login.microsoftonline.com/" + webhook.tenantId() + "/v2.0")
                .audience(webhook.audience())
                .subject(WebhookJwtVerifier.MARKETPLACE_APP_ID)
                .issueTime(Date.from(now))
                .notBeforeTime(Date.from(now))
                .expirationTime(Date.from(now.plus(TOKEN_LIFETIME)))
                .jwtID(UUID.randomUUID().toString())
                .claim("tid", webhook.tenantId())
                .claim("azp", WebhookJwtVerifier.MARKETPLACE_APP_ID)
                .claim("azpacr", "1")
                .claim("ver", "2.0")
                .build();
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID())
                    .type(JOSEObjectType.JWT).build(), claims);
            jwt.sign(new RSASSASigner(key));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException("The sandbox could not sign its webhook token", e);
        }
    }
}
