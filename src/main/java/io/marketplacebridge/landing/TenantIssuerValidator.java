package io.marketplacebridge.landing;

import java.util.regex.Pattern;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;

/**
 * The issuer check of a multi-tenant sign-in: Entra ID's common endpoint names its issuer
 * {@code https://login.microsoftonline.com/{tenantid}/v2.0}, so no single issuer can be compared. A token is accepted
 * only when its {@code iss} is that template filled in with the token's own {@code tid} (a GUID): a token of another
 * issuer, or one whose issuer and tenant disagree, is refused. An authority of one tenant has an issuer without the
 * placeholder, which the token's must then equal.
 */
final class TenantIssuerValidator implements OAuth2TokenValidator<Jwt> {

    static final String TENANT_PLACEHOLDER = "{tenantid}";
    private static final Pattern GUID = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    private final String issuerTemplate;

    /** @param issuerTemplate the {@code issuer} of the authority's OpenID configuration */
    TenantIssuerValidator(String issuerTemplate) {
        this.issuerTemplate = issuerTemplate;
    }

    @Override
    public OAuth2TokenValidatorResult validate(Jwt token) {
        String tenant = token.getClaimAsString("tid");
        if (tenant == null || !GUID.matcher(tenant).matches()) {
            return refused("The ID token names no tenant (tid)");
        }
        String expected = issuerTemplate.replace(TENANT_PLACEHOLDER, tenant);
        String issuer = token.getClaimAsString("iss");
        if (!expected.equals(issuer)) {
            return refused("The ID token's issuer " + issuer + " is not " + expected + ", the issuer of its tenant");
        }
        return OAuth2TokenValidatorResult.success();
    }

    private static OAuth2TokenValidatorResult refused(String description) {
        return OAuth2TokenValidatorResult.failure(new OAuth2Error("invalid_id_token", description, null));
    }
}
