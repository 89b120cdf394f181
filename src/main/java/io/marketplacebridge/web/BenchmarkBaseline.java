package io.marketplacebridge.web;

import static io.marketplacebridge.admin.SecurityConfiguration.headersFirst;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Profile;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.web.SecurityFilterChain;

/**
 * The {@code benchmark} profile (docs/benchmarks.md): lets the baseline route the benchmark adds
 * ({@code src/test/resources/bench/routes/baseline.camel.yaml}, {@code POST /bench/baseline}, answers 200 and does
 * nothing else) through without credentials, as the webhook is, so that the webhook's intake is compared with a bare
 * platform-http route in the same process. Nothing of it exists without the profile.
 */
@Configuration(proxyBeanMethods = false)
@Profile("benchmark")
class BenchmarkBaseline {

    @Bean
    @Order(Ordered.HIGHEST_PRECEDENCE)
    SecurityFilterChain benchmarkBaselineSecurity(HttpSecurity http) throws Exception {
        return headersFirst(http).securityMatcher("/bench/baseline")
                .authorizeHttpRequests(auth -> auth.anyRequest().permitAll())
                .csrf(csrf -> csrf.disable())
                .sessionManagement(session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .build();
    }
}
