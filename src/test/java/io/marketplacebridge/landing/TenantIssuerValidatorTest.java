package io.marketplacebridge.landing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;

/** The multi-tenant issuer check: a token's issuer must be the issuer of the token's own tenant. */
class TenantIssuerValidatorTest {

    private static final String TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    private static final String CONSUMERS = "9188040d-6c67-4c5b-b112-36a304b66dad";

    private final TenantIssuerValidator common = new TenantIssuerValidator("https://login.microsoftonline.com/{tenantid}/v2.0");

    @Test
    void acceptsTheIssuerOfTheTokensOwnTenantForWorkAndPersonalAccounts() {
        assertThat(common.validate(token("https://login.microsoftonline.com/" + TENANT + "/v2.0", TENANT)).hasErrors()).isFalse();
        assertThat(common.validate(token("https://login.microsoftonline.com/" + CONSUMERS + "/v2.0", CONSUMERS)).hasErrors()).isFalse();
    }

    @Test
    void refusesAnIssuerOfAnotherTenantHostOrVersion() {
        for (String issuer : new String[] {"https://login.microsoftonline.com/" + CONSUMERS + "/v2.0",
                "https://login.example.net/" + TENANT + "/v2.0", "https://sts.windows.net/" + TENANT + "/",
                "https://login.microsoftonline.com/common/v2.0"}) {
            OAuth2TokenValidatorResult result = common.validate(token(issuer, TENANT));

            assertThat(result.hasErrors()).as(issuer).isTrue();
            assertThat(result.getErrors()).extracting(error -> error.getErrorCode()).containsExactly("invalid_id_token");
        }
    }

    @Test
    void refusesATenantThatIsNoGuidSoItCannotShapeTheIssuer() {
        assertThat(common.validate(token("https://login.microsoftonline.com/common/v2.0", "common")).hasErrors()).isTrue();
        assertThat(common.validate(token("https://login.microsoftonline.com/x/v2.0", "x/v2.0?")).hasErrors()).isTrue();
        assertThat(common.validate(token("https://login.microsoftonline.com/" + TENANT + "/v2.0", null)).hasErrors()).isTrue();
    }

    @Test
    void singleTenantAuthorityAcceptsOnlyItsOwnIssuer() {
        TenantIssuerValidator single = new TenantIssuerValidator("https://login.microsoftonline.com/" + TENANT + "/v2.0");

        assertThat(single.validate(token("https://login.microsoftonline.com/" + TENANT + "/v2.0", TENANT)).hasErrors()).isFalse();
        assertThat(single.validate(token("https://login.microsoftonline.com/" + CONSUMERS + "/v2.0", CONSUMERS)).hasErrors()).isTrue();
    }

    private static Jwt token(String issuer, String tenant) {
        Jwt.Builder token = Jwt.withTokenValue("t").header("alg", "RS256").issuer(issuer).subject("s")
                .issuedAt(Instant.now()).expiresAt(Instant.now().plusSeconds(60));
        if (tenant != null) {
            token.claims(claims -> claims.putAll(Map.of("tid", tenant)));
        }
        return token.build();
    }
}
