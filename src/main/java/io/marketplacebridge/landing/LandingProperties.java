package io.marketplacebridge.landing;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * The landing page ({@code bridge.landing.*}): how the buyer signs in (docs/marketplace-contract.md §8.2, §9 item 1)
 * and whose page it is.
 *
 * @param signIn {@code entra} (default): the buyer signs in with Microsoft Entra ID before the page resolves the
 *        purchase; {@code none}: no sign-in (tests, the sandbox)
 * @param clientId the application (client) id of the landing page's multi-tenant app registration; required with
 *        {@code entra}
 * @param clientSecret that app's client secret; required with {@code entra}
 * @param authorityUrl the Entra ID authority, whose {@code /.well-known/openid-configuration} describes the endpoints:
 *        {@code …/common/v2.0} for work, school and personal accounts, {@code …/organizations/v2.0} or
 *        {@code …/consumers/v2.0} for one kind only
 * @param redirectUri where Entra ID sends the buyer back; registered as a Web redirect URI of the app
 *        ({@code {baseUrl}} is the URL the request came in on)
 * @param signInTimeout longest wait for each call the bridge makes to Entra ID (discovery, keys, token)
 * @param publisherName the publisher's name in the page's header; empty shows none
 * @param logoUrl the publisher's logo in the header; empty shows none
 * @param productUrl where the page's button leads the buyer (the product); empty shows no button
 */
@Validated
@ConfigurationProperties("bridge.landing")
public record LandingProperties(
        @NotNull SignIn signIn,
        String clientId,
        String clientSecret,
        @NotNull URI authorityUrl,
        @NotBlank String redirectUri,
        @NotNull Duration signInTimeout,
        String publisherName,
        URI logoUrl,
        URI productUrl) {

    /** How the buyer signs in on the landing page. */
    public enum SignIn {
        /** OpenID Connect with Microsoft Entra ID, any tenant (default). */
        ENTRA,
        /** No sign-in: tests and the sandbox. */
        NONE
    }
}
