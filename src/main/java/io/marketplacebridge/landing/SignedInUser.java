package io.marketplacebridge.landing;

import jakarta.servlet.http.HttpServletRequest;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.camel.Exchange;
import org.apache.camel.Header;
import org.springframework.core.env.Environment;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.core.oidc.user.OidcUser;
import org.springframework.stereotype.Component;

/**
 * Who signed in on the landing page, as the {@code Purchased} event and the page carry it: {@code name},
 * {@code email} (the {@code email} claim, else {@code preferred_username}), {@code tenantId} ({@code tid}) and
 * {@code objectId} ({@code oid}) of the Entra ID token.
 * <p>
 * The landing route runs on a thread of its own, where Spring Security's context is not set; the sign-in chain
 * therefore {@linkplain #keep keeps} the user on the request, on the request's thread, and the route reads it from
 * there. With {@code bridge.landing.sign-in: none} nobody is signed in, except in the sandbox, whose simulated
 * sign-in is "the buyer".
 */
@Component
public class SignedInUser {

    private static final String REQUEST_ATTRIBUTE = SignedInUser.class.getName();

    private final boolean simulated;

    public SignedInUser(LandingProperties landing, Environment environment) {
        this.simulated = landing.signIn() == LandingProperties.SignIn.NONE && environment.matchesProfiles("sandbox");
    }

    /** The user signed in on this landing request, or null when nobody is. */
    public Map<String, Object> of(@Header(Exchange.HTTP_SERVLET_REQUEST) HttpServletRequest request) {
        if (request != null && request.getAttribute(REQUEST_ATTRIBUTE) instanceof OidcUser user) {
            Map<String, Object> signedIn = new LinkedHashMap<>();
            String email = user.getEmail() != null ? user.getEmail() : user.getPreferredUsername();
            put(signedIn, "name", user.getFullName() != null ? user.getFullName() : email);
            put(signedIn, "email", email);
            put(signedIn, "tenantId", user.getClaimAsString("tid"));
            put(signedIn, "objectId", user.getClaimAsString("oid"));
            return signedIn;
        }
        return simulated ? Map.of("name", "the buyer (sandbox)") : null;
    }

    /** Keeps the user of the current security context on the request (the sign-in chain calls it on each request). */
    static void keep(HttpServletRequest request) {
        Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
        if (authentication != null && authentication.getPrincipal() instanceof OidcUser user) {
            request.setAttribute(REQUEST_ATTRIBUTE, user);
        }
    }

    private static void put(Map<String, Object> signedIn, String key, String value) {
        if (value != null && !value.isBlank()) {
            signedIn.put(key, value);
        }
    }
}
