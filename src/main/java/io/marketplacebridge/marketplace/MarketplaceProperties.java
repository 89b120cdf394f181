package io.marketplacebridge.marketplace;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * The Fulfillment API and how the bridge authenticates to it ({@code bridge.marketplace.*}).
 *
 * @param apiUrl base URL of the Fulfillment and metering APIs
 * @param apiVersion the {@code api-version} query value of every call
 * @param maxRetries retries of one call after its first attempt (429, and 5xx or timeouts of safe calls)
 * @param retryBackoff first back-off after a 5xx or timeout; doubles at each further attempt
 * @param maxRetryAfter longest {@code Retry-After} the bridge waits in line; longer ones are capped
 * @param auth how the bridge gets its Entra ID token
 */
@Validated
@ConfigurationProperties("bridge.marketplace")
public record MarketplaceProperties(
        @NotNull URI apiUrl,
        @NotBlank String apiVersion,
        @Min(0) int maxRetries,
        @NotNull Duration retryBackoff,
        @NotNull Duration maxRetryAfter,
        @Valid @NotNull Auth auth) {

    /** How tokens are obtained. */
    public enum AuthMode {
        /** OAuth 2.0 client credentials against Entra ID with msal4j (production). */
        ENTRA,
        /** A fixed configured token (sandbox and tests). */
        STATIC
    }

    /**
     * Credentials for the Fulfillment API ({@code bridge.marketplace.auth.*}).
     *
     * @param mode {@code entra} or {@code static}
     * @param tenantId the publisher's Entra tenant (technical configuration)
     * @param clientId the publisher's app registration (technical configuration)
     * @param clientSecret the app's client secret (or use {@code certificatePath})
     * @param certificatePath PKCS#12 file with the app's certificate and private key, instead of a secret
     * @param certificatePassword password of {@code certificatePath}
     * @param staticToken the token sent in {@code static} mode
     * @param authorityUrl Entra ID login host; the tenant is appended
     * @param scope the marketplace API's fixed resource id with {@code /.default}
     * @param tokenTimeout how long a token request may take
     */
    public record Auth(
            @NotNull AuthMode mode,
            String tenantId,
            String clientId,
            String clientSecret,
            Path certificatePath,
            String certificatePassword,
            String staticToken,
            @NotNull URI authorityUrl,
            @NotBlank String scope,
            @NotNull Duration tokenTimeout) {
    }
}
