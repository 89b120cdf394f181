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
 * @param connectTimeout how long opening a connection may take
 * @param requestTimeout how long a call may wait for its answer (all calls but the two below)
 * @param acknowledgementTimeout the same for Get Operation and Update Operation: with the decision endpoint's
 *        time-out they must fit the 10 seconds Microsoft gives a plan or quantity change
 * @param maxRetries retries of a safe call for a caller that waits (landing page, tenant-ready callback); queue
 *        consumers never retry in the client, the broker redelivers them
 * @param retryBackoff first wait of such a retry without {@code Retry-After}; doubles at each further retry
 * @param maxRetryAfter longest {@code Retry-After} honoured in such a retry; longer ones are capped
 * @param interactiveBudget the longest time all attempts of one call for a waiting caller may take
 * @param auth how the bridge gets its Entra ID token
 */
@Validated
@ConfigurationProperties("bridge.marketplace")
public record MarketplaceProperties(
        @NotNull URI apiUrl,
        @NotBlank String apiVersion,
        @NotNull Duration connectTimeout,
        @NotNull Duration requestTimeout,
        @NotNull Duration acknowledgementTimeout,
        @Min(0) int maxRetries,
        @NotNull Duration retryBackoff,
        @NotNull Duration maxRetryAfter,
        @NotNull Duration interactiveBudget,
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
     * @param certificatePath the app's certificate and private key, instead of a secret: a PKCS#12 file, or a PEM
     *        file with the PKCS#8 key and the certificate
     * @param certificatePassword password of {@code certificatePath} (of a PEM file's encrypted key; none for a
     *        key that is not encrypted)
     * @param certificateWarning how long before the certificate expires health component {@code marketplaceToken}
     *        warns
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
            @NotNull Duration certificateWarning,
            String staticToken,
            @NotNull URI authorityUrl,
            @NotBlank String scope,
            @NotNull Duration tokenTimeout) {
    }
}
