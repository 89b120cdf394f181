package io.marketplacebridge.landing;

import static io.marketplacebridge.admin.SecurityConfiguration.headersFirst;

import io.marketplacebridge.web.HttpAnswer;
import io.marketplacebridge.web.RequestParameterCheck;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.http.HttpClient;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.http.converter.FormHttpMessageConverter;
import org.springframework.security.config.ObjectPostProcessor;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.client.endpoint.RestClientAuthorizationCodeTokenResponseClient;
import org.springframework.security.oauth2.client.http.OAuth2ErrorResponseErrorHandler;
import org.springframework.security.oauth2.client.oidc.authentication.OidcIdTokenDecoderFactory;
import org.springframework.security.oauth2.client.oidc.authentication.OidcIdTokenValidator;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.client.web.OAuth2AuthorizationRequestRedirectFilter;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.http.converter.OAuth2AccessTokenResponseHttpMessageConverter;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtDecoderFactory;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.intercept.AuthorizationFilter;
import org.springframework.security.web.authentication.LoginUrlAuthenticationEntryPoint;
import org.springframework.security.web.savedrequest.HttpSessionRequestCache;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;

/**
 * Entra ID sign-in on the landing page ({@code bridge.landing.sign-in: entra}, the default; docs/marketplace-contract.md
 * §8.2, §9 item 1): Spring Security's OAuth2 login, multi-tenant. A buyer who is not signed in is sent to Microsoft
 * and comes back to the very {@code /landing?token=…} they opened (the saved request, without a marker parameter
 * and without {@code #}); the route then runs with the user kept on the request ({@link SignedInUser}). Every ID
 * token is checked as Spring checks it (signature against the authority's keys, audience, lifetime, nonce) and
 * against the issuer of its own tenant ({@link TenantIssuerValidator}).
 * <p>
 * A refused or cancelled sign-in, and an Entra ID that cannot be reached, get the landing page's own error pages.
 * With {@code none}, none of this exists and {@code /landing} is public (SecurityConfiguration).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(prefix = "bridge.landing", name = "sign-in", havingValue = "entra")
class LandingSignInConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(LandingSignInConfiguration.class);
    private static final String LOGIN = "/oauth2/authorization/" + EntraClientRegistrations.REGISTRATION_ID;

    @Bean
    @Order(Ordered.HIGHEST_PRECEDENCE + 1)
    SecurityFilterChain landingSignIn(HttpSecurity http, EntraClientRegistrations registrations, LandingPage page,
            LandingProperties landing) throws Exception {
        HttpSessionRequestCache savedLanding = new HttpSessionRequestCache();
        // Back to exactly the URL the marketplace opened, not to /landing?token=…&continue.
        savedLanding.setMatchingRequestParameterName(null);
        RestClientAuthorizationCodeTokenResponseClient tokens = new RestClientAuthorizationCodeTokenResponseClient();
        tokens.setRestClient(RestClient.builder()
                .requestFactory(requestFactory(landing))
                .messageConverters(converters -> {
                    converters.clear();
                    converters.add(new FormHttpMessageConverter());
                    converters.add(new OAuth2AccessTokenResponseHttpMessageConverter());
                })
                .defaultStatusHandler(new OAuth2ErrorResponseErrorHandler())
                .build());
        Filter keepUser = (request, response, chain) -> {
            SignedInUser.keep((HttpServletRequest) request);
            chain.doFilter(request, response);
        };
        return headersFirst(http).securityMatcher("/landing", "/oauth2/authorization/**", "/login/oauth2/code/**")
                .authorizeHttpRequests(auth -> auth.anyRequest().authenticated())
                .requestCache(cache -> cache.requestCache(savedLanding))
                .exceptionHandling(refusal -> refusal.authenticationEntryPoint(new LoginUrlAuthenticationEntryPoint(LOGIN)))
                .oauth2Login(login -> login
                        .clientRegistrationRepository(registrations)
                        .tokenEndpoint(token -> token.accessTokenResponseClient(tokens))
                        // Only without a saved landing URL (someone opened the login path directly).
                        .defaultSuccessUrl("/landing")
                        .failureHandler((request, response, failure) -> signInRefused(response, failure, page))
                        .withObjectPostProcessor(new ObjectPostProcessor<OAuth2AuthorizationRequestRedirectFilter>() {
                            @Override
                            public <O extends OAuth2AuthorizationRequestRedirectFilter> O postProcess(O filter) {
                                filter.setAuthenticationFailureHandler((request, response, failure) ->
                                        signInUnavailable(response, failure, page));
                                return filter;
                            }
                        }))
                .addFilterAfter(keepUser, AuthorizationFilter.class)
                .addFilterBefore(RequestParameterCheck.filter(), OAuth2AuthorizationRequestRedirectFilter.class)
                .build();
    }

    @Bean
    EntraClientRegistrations landingClientRegistrations(LandingProperties landing) {
        return new EntraClientRegistrations(landing, RestClient.builder().requestFactory(requestFactory(landing)).build());
    }

    /**
     * The ID token check: Spring's OpenID Connect rules (OidcIdTokenValidator: audience, lifetime, authorized party)
     * and the issuer of the token's tenant, against the authority's keys fetched within the sign-in timeout. OAuth2
     * login uses this bean for every registration.
     */
    @Bean
    JwtDecoderFactory<ClientRegistration> landingIdTokenDecoders(LandingProperties landing) {
        RestTemplate keys = new RestTemplate(requestFactory(landing));
        Map<String, JwtDecoder> decoders = new ConcurrentHashMap<>();
        return registration -> decoders.computeIfAbsent(registration.getRegistrationId(), id -> {
            NimbusJwtDecoder decoder = NimbusJwtDecoder.withJwkSetUri(registration.getProviderDetails().getJwkSetUri())
                    .jwsAlgorithm(SignatureAlgorithm.RS256)
                    .restOperations(keys)
                    .build();
            String issuer = (String) registration.getProviderDetails().getConfigurationMetadata()
                    .get(EntraClientRegistrations.ISSUER);
            decoder.setJwtValidator(new DelegatingOAuth2TokenValidator<>(new OidcIdTokenValidator(registration),
                    new TenantIssuerValidator(issuer)));
            decoder.setClaimSetConverter(OidcIdTokenDecoderFactory.createDefaultClaimTypeConverter());
            return decoder;
        });
    }

    private static JdkClientHttpRequestFactory requestFactory(LandingProperties landing) {
        JdkClientHttpRequestFactory factory = new JdkClientHttpRequestFactory(
                HttpClient.newBuilder().connectTimeout(landing.signInTimeout()).build());
        factory.setReadTimeout(landing.signInTimeout());
        return factory;
    }

    private static void signInRefused(HttpServletResponse response, AuthenticationException failure, LandingPage page)
            throws IOException {
        String reason = failure instanceof OAuth2AuthenticationException oauth
                ? oauth.getError().getErrorCode() + ": " + oauth.getError().getDescription()
                : failure.getMessage();
        LOG.warn("Landing sign-in refused: {}", reason);
        send(response, page.forSignInFailure());
    }

    private static void signInUnavailable(HttpServletResponse response, AuthenticationException failure, LandingPage page)
            throws IOException {
        Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
        LOG.warn("Landing sign-in unavailable: {}: {}", cause.getClass().getSimpleName(), cause.getMessage());
        send(response, page.forSignInUnavailable());
    }

    private static void send(HttpServletResponse response, HttpAnswer answer) throws IOException {
        response.setStatus(answer.getStatus());
        response.setContentType(answer.getContentType());
        if (answer.getRetryAfterSeconds() != null) {
            response.setHeader("Retry-After", String.valueOf(answer.getRetryAfterSeconds()));
        }
        response.getWriter().write(answer.getBody());
    }
}
