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
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * Entra ID as the sandbox marketplace needs it: an RSA signing key made at start (never stored; made on another thread,
 * so that the start does not wait for it), its public key set,
 * and the v2 access tokens Microsoft puts on its webhook calls (docs/marketplace-contract.md §6), issued for the tenant
 * and audience of the bridge the simulator plays Microsoft for ({@code bridge.simulator.tenant-id}, {@code .audience}).
 * The bridge's real token check verifies them.
 */
public class SandboxEntraId {

    private static final Duration TOKEN_LIFETIME = Duration.ofHours(1);

    private final CompletableFuture<RSAKey> key;
    private final CompletableFuture<RSASSASigner> signer;
    private final String tenantId;
    private final String audience;
    private final Clock clock;

    public SandboxEntraId(String tenantId, String audience) {
        this.key = CompletableFuture.supplyAsync(() -> {
            try {
                return new RSAKeyGenerator(2048).keyID("sandbox-" + UUID.randomUUID()).generate();
            } catch (JOSEException e) {
                throw new IllegalStateException("The sandbox could not make its signing key", e);
            }
        });
        this.signer = key.thenApply(generated -> {
            try {
                return new RSASSASigner(generated);
            } catch (JOSEException e) {
                throw new IllegalStateException("The sandbox could not make its signer", e);
            }
        });
        this.tenantId = tenantId;
        this.audience = audience;
        this.clock = Clock.systemUTC();
    }

    /** The public key set, as Entra ID serves it at its {@code jwks_uri}. */
    public Map<String, Object> keySet() {
        return new JWKSet(key.join().toPublicJWK()).toJSONObject();
    }

    /** A fresh token for one webhook call: v2 issuer of the tenant, the publisher's app as audience, azp = marketplace. */
    public String webhookToken() {
        return webhookToken(TOKEN_LIFETIME);
    }

    /** A fresh webhook token that is valid for {@code lifetime} from now. */
    public String webhookToken(Duration lifetime) {
        Instant now = clock.instant();
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer("https://login.microsoftonline.com/" + tenantId + "/v2.0")
                .audience(audience)
                .subject(WebhookJwtVerifier.MARKETPLACE_APP_ID)
                .issueTime(Date.from(now))
                .notBeforeTime(Date.from(now))
                .expirationTime(Date.from(now.plus(lifetime)))
                .jwtID(UUID.randomUUID().toString())
                .claim("tid", tenantId)
                .claim("azp", WebhookJwtVerifier.MARKETPLACE_APP_ID)
                .claim("azpacr", "1")
                .claim("ver", "2.0")
                .build();
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.join().getKeyID())
                    .type(JOSEObjectType.JWT).build(), claims);
            jwt.sign(signer.join());
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException("The sandbox could not sign its webhook token", e);
        }
    }
}
