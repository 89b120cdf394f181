package io.marketplacebridge.landing;

import java.util.List;
import java.util.Map;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.client.registration.ClientRegistrationRepository;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.web.client.RestClient;

/**
 * The landing page's one OpenID Connect client, {@value #REGISTRATION_ID}: the app registration of
 * {@code bridge.landing.*} at the authority's endpoints. Those are read from the authority's OpenID configuration
 * when the first buyer signs in (and kept), not at start, so the bridge starts while Entra ID is unreachable; a failed
 * read is tried again at the next sign-in.
 * <p>
 * Spring's own issuer discovery cannot be used: the common authority's configuration names the issuer
 * {@code https://login.microsoftonline.com/{tenantid}/v2.0}, a template, which it refuses. The template is kept in the
 * registration's metadata for {@link TenantIssuerValidator}, and no fixed issuer is set.
 */
final class EntraClientRegistrations implements ClientRegistrationRepository {

    static final String REGISTRATION_ID = "entra";
    static final String ISSUER = "issuer";

    private final LandingProperties landing;
    private final RestClient http;
    private volatile ClientRegistration registration;

    /** @throws IllegalStateException when the app registration's id or secret is missing */
    EntraClientRegistrations(LandingProperties landing, RestClient http) {
        if (blank(landing.clientId()) || blank(landing.clientSecret())) {
            throw new IllegalStateException("Set bridge.landing.client-id and bridge.landing.client-secret"
                    + " (BRIDGE_LANDING_CLIENT_ID, BRIDGE_LANDING_CLIENT_SECRET): the landing page signs the buyer in with"
                    + " Microsoft Entra ID (docs/marketplace-contract.md §8.2) through a multi-tenant app registration."
                    + " Or set bridge.landing.sign-in=none (BRIDGE_LANDING_SIGN_IN) where nobody buys (a local test).");
        }
        this.landing = landing;
        this.http = http;
    }

    @Override
    public ClientRegistration findByRegistrationId(String registrationId) {
        if (!REGISTRATION_ID.equals(registrationId)) {
            return null;
        }
        ClientRegistration known = registration;
        if (known == null) {
            synchronized (this) {
                if (registration == null) {
                    registration = discover();
                }
                known = registration;
            }
        }
        return known;
    }

    private ClientRegistration discover() {
        String authority = landing.authorityUrl().toString().replaceAll("/+$", "");
        Map<String, Object> metadata = http.get().uri(authority + "/.well-known/openid-configuration").retrieve()
                .body(new ParameterizedTypeReference<Map<String, Object>>() { });
        for (String required : List.of("authorization_endpoint", "token_endpoint", "jwks_uri", ISSUER)) {
            if (metadata == null || !(metadata.get(required) instanceof String value) || value.isBlank()) {
                throw new IllegalStateException("The OpenID configuration of " + authority + " has no " + required);
            }
        }
        return ClientRegistration.withRegistrationId(REGISTRATION_ID)
                .clientName("Microsoft")
                .clientId(landing.clientId())
                .clientSecret(landing.clientSecret())
                .clientAuthenticationMethod(ClientAuthenticationMethod.CLIENT_SECRET_POST)
                .authorizationGrantType(AuthorizationGrantType.AUTHORIZATION_CODE)
                .redirectUri(landing.redirectUri())
                .scope("openid", "profile", "email")
                .authorizationUri((String) metadata.get("authorization_endpoint"))
                .tokenUri((String) metadata.get("token_endpoint"))
                .jwkSetUri((String) metadata.get("jwks_uri"))
                .providerConfigurationMetadata(metadata)
                .userNameAttributeName("sub")
                .build();
    }

    private static boolean blank(String value) {
        return value == null || value.isBlank();
    }
}
