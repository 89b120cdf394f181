package io.marketplacebridge.outbound;

import jakarta.validation.constraints.NotNull;
import java.net.URI;

/**
 * How the bridge authenticates to one of the publisher's HTTP systems ({@code bridge.billing.auth.*},
 * {@code bridge.provisioning.auth.*}, {@code bridge.crm.auth.*}). Only the keys of the chosen mode are read.
 *
 * @param mode {@code none}, {@code bearer} (a static token), {@code basic} or {@code oauth2} (client credentials)
 * @param token the token sent as {@code Authorization: Bearer <token>} in {@code bearer} mode
 * @param username the user name of {@code basic}
 * @param password the password of {@code basic}
 * @param clientId the OAuth 2.0 client id of {@code oauth2}
 * @param clientSecret the OAuth 2.0 client secret of {@code oauth2}
 * @param tokenEndpoint the OAuth 2.0 token endpoint of {@code oauth2}
 * @param scope the scope requested in {@code oauth2}; none when empty
 */
public record HttpAuth(
        @NotNull Mode mode,
        String token,
        String username,
        String password,
        String clientId,
        String clientSecret,
        URI tokenEndpoint,
        String scope) {

    /** The ways to authenticate. */
    public enum Mode {
        /** No {@code Authorization} header. */
        NONE,
        /** A static bearer token. */
        BEARER,
        /** HTTP Basic, sent with every request. */
        BASIC,
        /** OAuth 2.0 client credentials: a cached token, fetched again when it expires or the system answers 401. */
        OAUTH2
    }
}
