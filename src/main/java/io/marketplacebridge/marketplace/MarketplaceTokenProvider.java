package io.marketplacebridge.marketplace;

import com.microsoft.aad.msal4j.ClientCredentialFactory;
import com.microsoft.aad.msal4j.ClientCredentialParameters;
import com.microsoft.aad.msal4j.ConfidentialClientApplication;
import com.microsoft.aad.msal4j.IClientCredential;
import io.marketplacebridge.marketplace.MarketplaceProperties.Auth;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.camel.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Gives the {@code Authorization} header for Fulfillment API calls. In {@code entra} mode one msal4j client,
 * built once, holds the token cache: a token is reused until shortly before it expires, and a forced refresh
 * (after a 401 or 403) skips the cache. Tokens are never logged.
 */
@Component
public class MarketplaceTokenProvider {

    private static final Logger LOG = LoggerFactory.getLogger(MarketplaceTokenProvider.class);

    private final Auth auth;
    private final ConfidentialClientApplication client;

    public MarketplaceTokenProvider(MarketplaceProperties properties) throws Exception {
        this.auth = properties.auth();
        this.client = auth.mode() == MarketplaceProperties.AuthMode.ENTRA ? entraClient(auth) : null;
        if (client == null && (auth.staticToken() == null || auth.staticToken().isBlank())) {
            throw new IllegalStateException("bridge.marketplace.auth.mode=static needs bridge.marketplace.auth.static-token");
        }
    }

    /**
     * The header value {@code Bearer <token>}.
     *
     * @param refresh true after the API refused the previous token: fetch a new one
     */
    public String authorization(@Header("bridgeTokenRefresh") boolean refresh) throws Exception {
        if (client == null) {
            return "Bearer " + auth.staticToken();
        }
        ClientCredentialParameters parameters = ClientCredentialParameters.builder(Set.of(auth.scope()))
                .skipCache(refresh)
                .build();
        try {
            String token = client.acquireToken(parameters)
                    .get(auth.tokenTimeout().toMillis(), TimeUnit.MILLISECONDS)
                    .accessToken();
            return "Bearer " + token;
        } catch (Exception e) {
            LOG.warn("Entra ID token request for client {} in tenant {} failed: {}", auth.clientId(), auth.tenantId(),
                    e.getMessage());
            throw new MarketplaceApiException(0, "token", "Entra ID token request failed: " + e.getClass().getSimpleName());
        }
    }

    private static ConfidentialClientApplication entraClient(Auth auth) throws Exception {
        require(auth.tenantId(), "tenant-id");
        require(auth.clientId(), "client-id");
        IClientCredential credential;
        if (auth.certificatePath() != null) {
            try (InputStream in = Files.newInputStream(auth.certificatePath())) {
                credential = ClientCredentialFactory.createFromCertificate(in,
                        auth.certificatePassword() == null ? "" : auth.certificatePassword());
            }
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
