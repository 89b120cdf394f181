package io.marketplacebridge.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.camel.CamelContext;
import org.apache.camel.spring.boot.CamelContextConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Whether the flows are up. Tomcat accepts requests a few seconds before Camel has started the routes; a flow
 * endpoint would answer 404 then, and Microsoft reads a 4xx to a plan or quantity change as the publisher's
 * rejection. So until the routes run, every flow endpoint ({@code /api/**}, {@code /landing}) answers 503 with
 * {@code Retry-After}, which Microsoft and browsers retry. A start that loads no flow at all (the bridge started
 * from another directory, where {@code routes/} is not) fails with a message saying so instead of reporting UP.
 */
@Component
public class FlowsReady implements CamelContextConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(FlowsReady.class);
    static final int RETRY_AFTER_SECONDS = 5;

    private final ObjectMapper json;
    private final Environment environment;
    private volatile boolean up;
    private volatile int routes;

    public FlowsReady(ObjectMapper json, Environment environment) {
        this.json = json;
        this.environment = environment;
        requireRouteFiles();
    }

    @Override
    public void beforeApplicationStart(CamelContext camelContext) {
    }

    /**
     * Refuses to start when no route file is where the routes are read from (Camel's own error names no cause).
     * Runs while the beans are made, before Camel loads the routes.
     */
    private void requireRouteFiles() {
        String pattern = environment.getProperty("camel.main.routes-include-pattern", "");
        for (String location : pattern.split(",")) {
            String trimmed = location.trim();
            if (trimmed.startsWith("file:")) {
                Path file = Path.of(trimmed.substring("file:".length()));
                Path directory = file.getParent() == null ? Path.of(".") : file.getParent();
                String glob = file.getFileName().toString();
                if (!Files.isDirectory(directory) || !hasMatch(directory, glob)) {
                    throw noFlows(pattern);
                }
            }
        }
    }

    @Override
    public void afterApplicationStart(CamelContext camelContext) {
        routes = camelContext.getRoutes().size();
        if (routes == 0) {
            throw noFlows(environment.getProperty("camel.main.routes-include-pattern"));
        }
        up = true;
    }

    private IllegalStateException noFlows(String pattern) {
        return new IllegalStateException("No flow was loaded: " + pattern + " (from " + Path.of("").toAbsolutePath()
                + ") finds no route file. Start the bridge in its own directory (the one with routes/ and config/),"
                + " or point CAMEL_MAIN_ROUTESINCLUDEPATTERN at the routes, e.g. file:/app/routes/*.camel.yaml.");
    }

    private static boolean hasMatch(Path directory, String glob) {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, glob)) {
            return files.iterator().hasNext();
        } catch (IOException e) {
            return false;
        }
    }

    /** One line that says the bridge is up and where to go. */
    @EventListener(ApplicationReadyEvent.class)
    public void announce() {
        String port = environment.getProperty("local.server.port", environment.getProperty("server.port", "8080"));
        if (Arrays.asList(environment.getActiveProfiles()).contains("sandbox")) {
            LOG.info("Sandbox ready ({} routes): http://localhost:{}/sandbox", routes, port);
        } else {
            LOG.info("Marketplace Bridge ready ({} routes) on port {}: webhook /api/webhook, landing page /landing, console /actuator/hawtio",
                    routes, port);
        }
    }

    /** True once the routes run. */
    public boolean isUp() {
        return up;
    }

    /** Answers a request that came before the routes run: 503 with {@code Retry-After}. */
    void answerStarting(HttpServletResponse response) throws IOException {
        response.setStatus(503);
        response.setHeader("Retry-After", String.valueOf(RETRY_AFTER_SECONDS));
        response.setContentType("application/problem+json");
        response.getOutputStream().write(Problems.problem(json, 503, "The bridge is starting; try again in "
                + RETRY_AFTER_SECONDS + " seconds.").getBytes(StandardCharsets.UTF_8));
    }

    /** The filter on the flow endpoints, before security: a request during start-up needs no login to hear 503. */
    @Configuration(proxyBeanMethods = false)
    static class Filter {

        @Bean
        FilterRegistrationBean<OncePerRequestFilter> flowsReadyFilter(FlowsReady flows) {
            FilterRegistrationBean<OncePerRequestFilter> registration = new FilterRegistrationBean<>(new OncePerRequestFilter() {
                @Override
                protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                        throws ServletException, IOException {
                    if (flows.isUp()) {
                        chain.doFilter(request, response);
                    } else {
                        flows.answerStarting(response);
                    }
                }
            });
            registration.addUrlPatterns("/api/*", "/landing");
            registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 1);
            return registration;
        }
    }
}
