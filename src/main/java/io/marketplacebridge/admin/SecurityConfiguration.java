package io.marketplacebridge.admin;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;

/**
 * Who may call what. Microsoft's webhook and the buyer's landing page are public (the webhook checks its own JWT);
 * the publisher and operator endpoints need the admin credentials (HTTP Basic).
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfiguration {

    @Bean
    SecurityFilterChain bridgeSecurity(HttpSecurity http) throws Exception {
        http.authorizeHttpRequests(auth -> auth
                        .requestMatchers("/api/webhook", "/landing", "/sandbox", "/sandbox/**", "/error").permitAll()
                        .requestMatchers("/actuator/health", "/actuator/health/**", "/actuator/info").permitAll()
                        .requestMatchers("/api/**", "/actuator/**").hasRole("ADMIN")
                        .anyRequest().denyAll())
                .httpBasic(Customizer.withDefaults())
                .sessionManagement(session -> session.sessionCreationPolicy(SessionCreationPolicy.IF_REQUIRED))
                // Machine-to-machine JSON endpoints authenticated per request; the sandbox holds fake data only.
                .csrf(csrf -> csrf.ignoringRequestMatchers("/api/**", "/sandbox/**", "/actuator/**"));
        return http.build();
    }

    @Bean
    UserDetailsService adminUsers(AdminProperties admin) {
        if (admin.username() == null || admin.username().isBlank() || admin.password() == null || admin.password().isBlank()) {
            throw new IllegalStateException("Set bridge.admin.username and bridge.admin.password (BRIDGE_ADMIN_USERNAME,"
                    + " BRIDGE_ADMIN_PASSWORD): the operator endpoints need credentials");
        }
        return new InMemoryUserDetailsManager(User.withUsername(admin.username())
                .password(PasswordEncoderFactories.createDelegatingPasswordEncoder().encode(admin.password()))
                .roles("ADMIN")
                .build());
    }
}
