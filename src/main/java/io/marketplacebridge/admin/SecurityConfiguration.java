package io.marketplacebridge.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.marketplacebridge.landing.LandingPage;
import io.marketplacebridge.web.HttpAnswer;
import io.marketplacebridge.web.Problems;
import io.marketplacebridge.web.RequestParameterCheck;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Profile;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.ObjectPostProcessor;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.header.HeaderWriterFilter;
import org.springframework.security.web.authentication.www.BasicAuthenticationFilter;
import org.springframework.security.web.firewall.RequestRejectedHandler;

/**
 * Who may call what (docs/architecture.md, "Roles and access"). Microsoft's webhook, the buyer's landing page and the
 * health probes are public (the webhook checks its own JWT). The publisher's systems (role {@value #INTEGRATION})
 * reach the subscription, operation and usage endpoints; the operator (role {@value #OPERATOR}) reaches those too,
 * and {@code /api/admin} and {@code /actuator} (Hawtio, Jolokia, metrics, info, health details). Both log in with
 * HTTP Basic. Production has no sandbox: every {@code /sandbox} path is 404. With {@code bridge.landing.sign-in:
 * entra} the landing page's own chain (LandingSignInConfiguration) takes {@code /landing} first and signs the buyer in
 * with Entra ID.
 */
@Configuration(proxyBeanMethods = false)
public class SecurityConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(SecurityConfiguration.class);

    /** The operator's role. */
    static final String OPERATOR = "ADMIN";
    /** The role of the publisher's systems. */
    static final String INTEGRATION = "INTEGRATION";

    /** The realm a browser's login prompt names (Hawtio). */
    static final String REALM = "marketplace-bridge";

    /**
     * Spring Security writes its response headers (X-Content-Type-Options, Cache-Control, …) as the request comes in,
     * not when the response is committed. The Camel routes answer on a thread of their own (platform-http's async
     * request): writing the headers on commit let the request's thread, leaving the filter chain, write them while
     * the route's thread was committing the answer, and Tomcat's header list broke (a NullPointerException in
     * MimeHeaders, the connection closed without an answer; seen once under the test suite on a 400 webhook answer).
     * Every chain of the bridge goes through here.
     */
    public static HttpSecurity headersFirst(HttpSecurity http) throws Exception {
        return http.headers(headers -> headers.addObjectPostProcessor(new ObjectPostProcessor<HeaderWriterFilter>() {
            @Override
            public <O extends HeaderWriterFilter> O postProcess(O filter) {
                filter.setShouldWriteHeadersEagerly(true);
                return filter;
            }
        }));
    }

    /**
     * A missing or refused login is a {@code 401} and a login of the other role a {@code 403}, each with a JSON problem
     * body like every other refusal of the bridge (not Spring Boot's error page, which echoes the path).
     */
    @Bean
    SecurityFilterChain bridgeSecurity(HttpSecurity http, ObjectMapper json) throws Exception {
        AuthenticationEntryPoint loginNeeded = (request, response, e) -> {
            response.setHeader("WWW-Authenticate", "Basic realm=\"" + REALM + "\"");
            Problems.send(response, json, 401, "This endpoint needs an HTTP Basic login of the operator or of the publisher's systems.");
        };
        headersFirst(http).authorizeHttpRequests(auth -> auth
                        .requestMatchers("/api/webhook", "/landing", "/error").permitAll()
                        .requestMatchers("/actuator/health", "/actuator/health/liveness", "/actuator/health/readiness").permitAll()
                        .requestMatchers("/api/subscriptions/**", "/api/operations/**", "/api/usage", "/api/openapi.json").hasAnyRole(INTEGRATION, OPERATOR)
                        .requestMatchers("/api/**", "/actuator/**").hasRole(OPERATOR)
                        .anyRequest().denyAll())
                .httpBasic(basic -> basic.authenticationEntryPoint(loginNeeded))
                .exceptionHandling(refusal -> refusal
                        .authenticationEntryPoint(loginNeeded)
                        .accessDeniedHandler((request, response, e) -> Problems.send(response, json, 403,
                                "This login may not call this endpoint.")))
                // Every request carries its login (HTTP Basic): no session, no JSESSIONID. A session would keep a
                // login server-side that the caller never asked for, and a cookie an API client might send back to
                // another instance. Hawtio's browser resends the Basic login on every request too.
                .sessionManagement(session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .addFilterBefore(RequestParameterCheck.filter(), BasicAuthenticationFilter.class)
                // Machine-to-machine JSON endpoints authenticated per request.
                .csrf(csrf -> csrf.ignoringRequestMatchers("/api/**", "/actuator/**"));
        return http.build();
    }

    /**
     * Spring Security's firewall refuses a URL with an encoded slash, backslash, percent or semicolon, a dot segment
     * or a control character before any chain runs, and a parameter name it does not take (RequestParameterCheck).
     * That is a {@code 400} problem like every other refusal, not Boot's error page, which echoes the path. The
     * firewall's reason may quote the name: its control characters are not logged.
     */
    @Bean
    RequestRejectedHandler rejectedRequests(ObjectMapper json, ObjectProvider<LandingPage> landingPage) {
        return (request, response, rejected) -> {
            LOG.warn("Request refused (400): {} {}", request.getMethod(), String.valueOf(rejected.getMessage()).replaceAll("\\p{Cntrl}", "?"));
            LandingPage landing = landingPage.getIfAvailable();
            if (landing != null && request.getRequestURI().startsWith("/landing")) {
                // The buyer's browser gets the landing page's own page for a link it cannot read.
                HttpAnswer page = landing.forMalformedRequest();
                response.setStatus(page.getStatus());
                response.setContentType(page.getContentType());
                response.getOutputStream().write(page.getBody().getBytes(StandardCharsets.UTF_8));
                return;
            }
            Problems.send(response, json, 400, "The request's URL holds characters the bridge does not take"
                    + " (an encoded slash, backslash, percent or semicolon, a dot segment, a control character).");
        };
    }

    /**
     * Without the {@code sandbox} profile every {@code /sandbox} path is 404 for everyone, credentials or not: a
     * production bridge does not tell that a sandbox could exist. With the profile, the sandbox's own chain
     * (SandboxConfiguration) takes these paths instead.
     */
    @Bean
    @Profile("!sandbox")
    @Order(Ordered.HIGHEST_PRECEDENCE)
    SecurityFilterChain absentSandbox(HttpSecurity http, ObjectMapper json) throws Exception {
        return headersFirst(http).securityMatcher("/sandbox", "/sandbox/**")
                .authorizeHttpRequests(auth -> auth.anyRequest().denyAll())
                .exceptionHandling(refusal -> refusal
                        .authenticationEntryPoint((request, response, e) -> notFound(response, json))
                        .accessDeniedHandler((request, response, e) -> notFound(response, json)))
                .csrf(csrf -> csrf.disable())
                .sessionManagement(session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .build();
    }

    @Bean
    UserDetailsService bridgeUsers(AdminProperties admin, IntegrationProperties integration, PasswordEncoder passwords) {
        require(admin.username(), admin.password(), "bridge.admin", "BRIDGE_ADMIN", "the operator endpoints need credentials");
        require(integration.username(), integration.password(), "bridge.integration", "BRIDGE_INTEGRATION",
                "the publisher's systems (activation callback, subscriptions, usage) need credentials of their own");
        if (admin.username().equals(integration.username())) {
            throw new IllegalStateException("bridge.integration.username must differ from bridge.admin.username: the"
                    + " operator and the publisher's systems never share credentials");
        }
        return new InMemoryUserDetailsManager(
                User.withUsername(admin.username()).password(passwords.encode(admin.password())).roles(OPERATOR).build(),
                User.withUsername(integration.username()).password(passwords.encode(integration.password()))
                        .roles(INTEGRATION).build());
    }

    /**
     * The passwords come from configuration and live in memory only: no hash of them is ever stored, so bcrypt's
     * cost (which protects a stored hash from offline guessing) buys nothing here, and would spend tens of
     * milliseconds of CPU on every Basic request of the publisher's systems and of Hawtio's polling.
     */
    @Bean
    PasswordEncoder configuredPasswords() {
        return new ConfiguredPasswordEncoder();
    }

    private static void require(String username, String password, String prefix, String variable, String why) {
        if (username == null || username.isBlank() || password == null || password.isBlank()) {
            throw new IllegalStateException("Set " + prefix + ".username and " + prefix + ".password (" + variable
                    + "_USERNAME, " + variable + "_PASSWORD): " + why);
        }
    }

    private static void notFound(HttpServletResponse response, ObjectMapper json) throws IOException {
        Problems.send(response, json, 404, "There is nothing at this path.");
    }
}
