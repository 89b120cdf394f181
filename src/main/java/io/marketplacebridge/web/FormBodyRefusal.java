package io.marketplacebridge.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Refuses a form or multipart body on {@code /api/**} with a 415 problem before anything reads it. Every API
 * endpoint takes JSON or no body. The servlet container parses a form as soon as anything asks for a request
 * parameter (Spring Security, Spring MVC, platform-http), ahead of the routes' own checks: a malformed one ended in
 * an anonymous 500 with a stack trace, and a well-formed one's fields became Camel headers (a multipart field
 * {@code all=true} would select a whole dead-letter queue).
 */
@Configuration(proxyBeanMethods = false)
class FormBodyRefusal {

    private static final Logger LOG = LoggerFactory.getLogger(FormBodyRefusal.class);

    @Bean
    FilterRegistrationBean<OncePerRequestFilter> formBodyRefusalFilter(ObjectMapper json) {
        FilterRegistrationBean<OncePerRequestFilter> registration = new FilterRegistrationBean<>(new Refusal(json));
        registration.addUrlPatterns("/api/*");
        // Ahead of every filter that may read the form: Spring Security's chain, Spring's FormContentFilter.
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
        return registration;
    }

    private static final class Refusal extends OncePerRequestFilter {

        private final ObjectMapper json;

        Refusal(ObjectMapper json) {
            this.json = json;
        }

        @Override
        protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                throws ServletException, IOException {
            String refused = refusedType(request.getContentType());
            if (refused == null) {
                chain.doFilter(request, response);
                return;
            }
            LOG.warn("Request refused (415): {} {} with a {} body", request.getMethod(), request.getRequestURI(), refused);
            Problems.send(response, json, 415, "The API takes JSON bodies (application/json), not " + refused + ".");
        }

        /** The body's media type when it is one the API refuses, else null. */
        private static String refusedType(String contentType) {
            if (contentType == null || contentType.isBlank()) {
                return null;
            }
            try {
                MediaType type = MediaType.parseMediaType(contentType);
                return type.isCompatibleWith(MediaType.APPLICATION_FORM_URLENCODED) || type.getType().equalsIgnoreCase("multipart")
                        ? type.getType() + "/" + type.getSubtype() : null;
            } catch (InvalidMediaTypeException notAFormType) {
                return null;
            }
        }
    }
}
