package io.marketplacebridge.landing;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Microsoft Entra ID's common authority as the landing page's sign-in meets it, on a local socket: the OpenID
 * configuration (with the multi-tenant issuer template), the key set, the authorization endpoint (which signs the
 * buyer in at once as the user {@link #signsInAs} names and redirects back with a code) and the token endpoint (which
 * checks the client's secret and the code, and answers with an RS256-signed ID token carrying the nonce of the
 * authorization request).
 */
final class EntraIdStub implements AutoCloseable {

    static final String ISSUER_TEMPLATE = "https://login.microsoftonline.com/{tenantid}/v2.0";
    static final String AUTHORIZE = "/common/oauth2/v2.0/authorize";
    static final String TOKEN = "/common/oauth2/v2.0/token";

    private final String clientId;
    private final String clientSecret;
    private final RSAKey key;
    private final Map<String, Map<String, Object>> codes = new ConcurrentHashMap<>();
    private volatile Map<String, Object> user = Map.of();
    private final WireMockServer server;

    EntraIdStub(String clientId, String clientSecret) throws JOSEException {
        this.clientId = clientId;
        this.clientSecret = clientSecret;
        this.key = new RSAKeyGenerator(2048).keyID("entra-" + UUID.randomUUID()).generate();
        this.server = new WireMockServer(options().dynamicPort().extensions(new Authorize(), new Token()));
        server.start();
        server.stubFor(get(urlPathEqualTo("/common/v2.0/.well-known/openid-configuration")).willReturn(aResponse()
                .withHeader("Content-Type", "application/json").withBody("""
                        {"issuer":"%s","authorization_endpoint":"%s","token_endpoint":"%s","jwks_uri":"%s",
                         "response_types_supported":["code","id_token","code id_token"],"subject_types_supported":["pairwise"],
                         "id_token_signing_alg_values_supported":["RS256"],"scopes_supported":["openid","profile","email"],
                         "token_endpoint_auth_methods_supported":["client_secret_post","private_key_jwt","client_secret_basic"]}
                        """.formatted(ISSUER_TEMPLATE, server.baseUrl() + AUTHORIZE, server.baseUrl() + TOKEN,
                        server.baseUrl() + "/common/discovery/v2.0/keys"))));
        server.stubFor(get(urlPathEqualTo("/common/discovery/v2.0/keys")).willReturn(aResponse()
                .withHeader("Content-Type", "application/json").withBody(new JWKSet(key.toPublicJWK()).toString())));
        server.stubFor(get(urlPathEqualTo(AUTHORIZE)).willReturn(aResponse().withTransformers(Authorize.NAME)));
        server.stubFor(post(urlPathEqualTo(TOKEN)).willReturn(aResponse().withTransformers(Token.NAME)));
    }

    /** The authority URL the bridge is configured with. */
    String authorityUrl() {
        return server.baseUrl() + "/common/v2.0";
    }

    /** The server, to verify what the bridge asked. */
    WireMockServer server() {
        return server;
    }

    /**
     * The next sign-ins are of this user: the ID token's claims ({@code tid}, {@code oid}, {@code name},
     * {@code email}, …); {@code iss} defaults to the issuer of the user's tenant.
     */
    void signsInAs(Map<String, Object> claims) {
        this.user = Map.copyOf(claims);
    }

    @Override
    public void close() {
        server.stop();
    }

    private String idToken(Map<String, Object> claims, String nonce) {
        Instant now = Instant.now();
        JWTClaimsSet.Builder token = new JWTClaimsSet.Builder()
                .issuer(ISSUER_TEMPLATE.replace("{tenantid}", String.valueOf(claims.get("tid"))))
                .audience(clientId)
                .subject("sub-" + claims.get("oid"))
                .issueTime(Date.from(now))
                .notBeforeTime(Date.from(now))
                .expirationTime(Date.from(now.plusSeconds(3600)))
                .claim("nonce", nonce)
                .claim("ver", "2.0");
        claims.forEach(token::claim);
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID())
                    .type(JOSEObjectType.JWT).build(), token.build());
            jwt.sign(new RSASSASigner(key));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, String> form(String body) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String pair : body.split("&")) {
            int equals = pair.indexOf('=');
            if (equals > 0) {
                fields.put(URLDecoder.decode(pair.substring(0, equals), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
            }
        }
        return fields;
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /** The authorization endpoint: the user is signed in at once; back to the client with a one-time code. */
    private final class Authorize implements ResponseDefinitionTransformerV2 {

        static final String NAME = "entra-authorize";

        @Override
        public ResponseDefinition transform(ServeEvent serveEvent) {
            var request = serveEvent.getRequest();
            if (!clientId.equals(request.queryParameter("client_id").firstValue())
                    || !"code".equals(request.queryParameter("response_type").firstValue())) {
                return aResponse().withStatus(400).withBody("unknown client or response type").build();
            }
            String code = UUID.randomUUID().toString();
            Map<String, Object> grant = new LinkedHashMap<>(user);
            grant.put("nonce", request.queryParameter("nonce").firstValue());
            codes.put(code, grant);
            String location = request.queryParameter("redirect_uri").firstValue() + "?code=" + encode(code)
                    + "&state=" + encode(request.queryParameter("state").firstValue());
            return aResponse().withStatus(302).withHeader("Location", location).build();
        }

        @Override
        public boolean applyGlobally() {
            return false;
        }

        @Override
        public String getName() {
            return NAME;
        }
    }

    /** The token endpoint: client_secret_post, one use per code. */
    private final class Token implements ResponseDefinitionTransformerV2 {

        static final String NAME = "entra-token";

        @Override
        public ResponseDefinition transform(ServeEvent serveEvent) {
            Map<String, String> form = form(serveEvent.getRequest().getBodyAsString());
            if (!clientId.equals(form.get("client_id")) || !clientSecret.equals(form.get("client_secret"))) {
                return json(401, "{\"error\":\"invalid_client\"}");
            }
            Map<String, Object> grant = form.get("code") == null ? null : codes.remove(form.get("code"));
            if (!"authorization_code".equals(form.get("grant_type")) || grant == null) {
                return json(400, "{\"error\":\"invalid_grant\"}");
            }
            String nonce = (String) grant.remove("nonce");
            return json(200, """
                    {"token_type":"Bearer","scope":"openid profile email","expires_in":3600,"access_token":"%s","id_token":"%s"}
                    """.formatted(UUID.randomUUID(), idToken(grant, nonce)));
        }

        private ResponseDefinition json(int status, String body) {
            return aResponse().withStatus(status).withHeader("Content-Type", "application/json").withBody(body).build();
        }

        @Override
        public boolean applyGlobally() {
            return false;
        }

        @Override
        public String getName() {
            return NAME;
        }
    }
}
