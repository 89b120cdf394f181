package io.marketplacebridge.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.web.ServerProperties;
import org.springframework.boot.autoconfigure.web.servlet.error.BasicErrorController;
import org.springframework.boot.autoconfigure.web.servlet.error.ErrorViewResolver;
import org.springframework.boot.web.servlet.error.ErrorAttributes;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.servlet.ModelAndView;

/**
 * The bridge's problem answers (RFC 9457, as {@link Problems} writes them) for what fails before any route answers:
 * a path no route serves ({@code GET /api/operations/} without an id), a method the route does not take, a login
 * Spring Security refuses (401) or a role it does not grant (403). These end in Spring Boot's error dispatch, whose
 * own body ({@code timestamp}, {@code error}, {@code path}) is unlike every other answer of the API. A browser asking
 * for HTML outside {@code /api} keeps Spring Boot's error page.
 */
@Configuration(proxyBeanMethods = false)
class ProblemErrors {

    /** Replaces Spring Boot's error controller (it backs off when the application has one). */
    @Bean
    BasicErrorController problemErrorController(ErrorAttributes attributes, ServerProperties server,
            ObjectProvider<ErrorViewResolver> resolvers, ObjectMapper json) {
        return new Controller(attributes, server, resolvers, json);
    }

    private static final class Controller extends BasicErrorController {

        private final ObjectMapper json;

        Controller(ErrorAttributes attributes, ServerProperties server, ObjectProvider<ErrorViewResolver> resolvers,
                ObjectMapper json) {
            super(attributes, server.getError(), resolvers.orderedStream().toList());
            this.json = json;
        }

        @Override
        public ModelAndView errorHtml(HttpServletRequest request, HttpServletResponse response) {
            if (!path(request).startsWith("/api/")) {
                return super.errorHtml(request, response);
            }
            HttpStatus status = getStatus(request);
            try {
                Problems.send(response, json, status.value(), detail(request, status));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return null;
        }

        @Override
        public ResponseEntity<Map<String, Object>> error(HttpServletRequest request) {
            HttpStatus status = getStatus(request);
            return ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON)
                    .body(Problems.problemBody(status.value(), detail(request, status)));
        }

        private static String detail(HttpServletRequest request, HttpStatus status) {
            String path = path(request);
            return switch (status) {
                case UNAUTHORIZED -> "This path needs a login (HTTP Basic).";
                case FORBIDDEN -> "These credentials may not call " + path + ".";
                case NOT_FOUND -> "There is nothing at " + path + (path.startsWith("/api/")
                        ? ": the API's paths are in GET /api/openapi.json." : ".");
                case METHOD_NOT_ALLOWED -> path + " does not take " + request.getMethod() + ".";
                default -> status.is5xxServerError() ? "The bridge could not handle the request; try again later."
                        : "The request was refused: " + status.getReasonPhrase() + ".";
            };
        }

        private static String path(HttpServletRequest request) {
            Object uri = request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
            return uri == null ? request.getRequestURI() : uri.toString();
        }
    }
}
