package io.marketplacebridge.marketplace;

import com.microsoft.aad.msal4j.ClientCredentialFactory;
import com.microsoft.aad.msal4j.ClientCredentialParameters;
import com.microsoft.aad.msal4j.ConfidentialClientApplication;
import com.microsoft.aad.msal4j.IAuthenticationResult;
import com.microsoft.aad.msal4j.IClientCredential;
import io.marketplacebridge.failure.Failure;
import io.marketplacebridge.marketplace.MarketplaceProperties.Auth;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Gives the {@code Authorization} header for Fulfillment API calls. In {@code entra} mode one msal4j client is
 * built once, with the app's secret or its certificate ({@link AppCertificate}, read once at start); its token is
 * reused until {@link #RENEW_BEFORE_EXPIRY} before it expires, and a forced refresh (after a 401 or 403) asks Entra
 * ID for a new one. A certificate that expires within {@code bridge.marketplace.auth.certificate-warning} is one WARN
 * line at start (health component {@code marketplaceToken} keeps saying it). Tokens are never logged.
 */
@Component
public class MarketplaceTokenProvider {

    private static final Logger LOG = LoggerFactory.getLogger(MarketplaceTokenProvider.class);

    /** Microsoft's tokens last an hour; renewing a few minutes early keeps a call from starting with a dying token. */
    static final Duration RENEW_BEFORE_EXPIRY = Duration.ofMinutes(5);

    private final Auth auth;
    private final AppCertificate certificate;
    private final ConfidentialClientApplication client;
    private final Clock clock;
    private IAuthenticationResult current;
    private final java.util.concurrent.atomic.AtomicLong failures = new java.util.concurrent.atomic.AtomicLong();
    private volatile String lastFailure;

    @Autowired
    public MarketplaceTokenProvider(MarketplaceProperties properties) {
        this(properties, Clock.systemUTC());
    }

    MarketplaceTokenProvider(MarketplaceProperties properties, Clock clock) {
        this.clock = clock;
        this.auth = properties.auth();
        boolean entra = auth.mode() == MarketplaceProperties.AuthMode.ENTRA;
        if (entra) {
            require(auth.tenantId(), "tenant-id");
            require(auth.clientId(), "client-id");
        }
        this.certificate = entra && auth.certificatePath() != null
                ? AppCertificate.read(auth.certificatePath(), auth.certificatePassword()) : null;
        try {
            this.client = entra ? entraClient(auth, certificate) : null;
        } catch (IllegalStateException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("The Entra ID client for bridge.marketplace.auth cannot be built: " + e.getMessage(), e);
        }
        if (client == null && (auth.staticToken() == null || auth.staticToken().isBlank())) {
            throw new IllegalStateException("bridge.marketplace.auth.mode=static needs bridge.marketplace.auth.static-token");
        }
        if (certificate != null && expiresWithinWarning(clock.instant())) {
            LOG.warn("The certificate of bridge.marketplace.auth.certificate-path ({}, thumbprint {}) expires at {}: upload"
                    + " its successor to the app registration and point certificate-path at it before then",
                    certificate.subject(), certificate.thumbprint(), certificate.notAfter());
        }
    }

    /**
     * The header value {@code Bearer <token>}.
     *
     * @param refresh true after the API refused the previous token: fetch a new one
     */
    public synchronized String authorization(boolean refresh) {
        if (client == null) {
            return "Bearer " + auth.staticToken();
        }
        if (refresh || current == null
                || clock.instant().plus(RENEW_BEFORE_EXPIRY).isAfter(current.expiresOnDate().toInstant())) {
            current = acquire();
        }
        return "Bearer " + current.accessToken();
    }

    private IAuthenticationResult acquire() {
        ClientCredentialParameters parameters = ClientCredentialParameters.builder(Set.of(auth.scope()))
                .skipCache(true)
                .build();
        try {
            return client.acquireToken(parameters).get(auth.tokenTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Failure.transientFailure("Entra ID", "token", "interrupted while waiting for Entra ID");
        } catch (Exception e) {
            failures.incrementAndGet();
            lastFailure = e.getClass().getSimpleName() + ": " + e.getMessage();
            LOG.warn("Entra ID token request for client {} in tenant {} failed: {}", auth.clientId(), auth.tenantId(),
                    e.getMessage());
            throw Failure.transientFailure("Entra ID", "token", "the token request failed: " + e.getClass().getSimpleName());
        }
    }

    /** Token requests Entra ID refused or did not answer, since the start ({@code bridge_token_failures_total}). */
    public long failures() {
        return failures.get();
    }

    /** The last token failure, or null. */
    public String lastFailure() {
        return lastFailure;
    }

    /** Whether tokens come from Entra ID (not a static sandbox token). */
    public boolean fromEntra() {
        return client != null;
    }

    /** The app's certificate when Entra ID tokens are asked for with one, else null (a secret, a static token). */
    public AppCertificate certificate() {
        return certificate;
    }

    /**
     * Whether the certificate expires (or has expired) within {@code bridge.marketplace.auth.certificate-warning} of
     * {@code now}; false without a certificate.
     */
    public boolean expiresWithinWarning(Instant now) {
        return certificate != null && !now.plus(auth.certificateWarning()).isBefore(certificate.notAfter());
    }

    /** {@code bridge.marketplace.auth.certificate-warning}. */
    public Duration certificateWarning() {
        return auth.certificateWarning();
    }

    private static ConfidentialClientApplication entraClient(Auth auth, AppCertificate certificate) throws Exception {
        IClientCredential credential;
        if (certificate != null) {
            credential = ClientCredentialFactory.createFromCertificate(certificate.key(), certificate.chain().get(0));
        } else {
            require(auth.clientSecret(), "client-secret (or certificate-path)");
            credential = ClientCredentialFactory.createFromSecret(auth.clientSecret());
        }
        String authority = auth.authorityUrl().toString().replaceAll("/+$", "") + "/" + auth.tenantId() + "/";
        return ConfidentialClientApplication.builder(auth.clientId(), credential)
                .authority(authority)
                .instanceDiscovery(false)
                .build();
    }

    private static void require(String value, String key) {
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("bridge.marketplace.auth.mode=entra needs bridge.marketplace.auth." + key);
        }
    }
}
