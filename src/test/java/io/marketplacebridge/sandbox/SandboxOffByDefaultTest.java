package io.marketplacebridge.sandbox;

import static io.marketplacebridge.Logins.basic;
import static org.assertj.core.api.Assertions.assertThat;

import io.marketplacebridge.BridgeTest;
import java.lang.reflect.Method;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Import;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.RequestMapping;

/**
 * Without the {@code sandbox} profile there is no simulator, page or recorder: a production bridge sells nothing.
 * Every path the sandbox's and the standalone simulator's controllers map (read from what SandboxConfiguration and
 * SimulatorApplication import, so a new one is covered too) answers 404, to anyone, for GET and POST alike.
 */
class SandboxOffByDefaultTest extends BridgeTest {

    private static final String OPERATOR = basic("operator:test-admin-password");

    @LocalServerPort
    int port;

    @Autowired
    ApplicationContext context;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void everySandboxPathIs404OutsideTheSandboxProfile() throws Exception {
        List<String> paths = sandboxPaths();

        assertThat(paths).contains("/sandbox", "/sandbox/purchases", "/sandbox/deliveries", "/sandbox/marketplace/jwks",
                "/sandbox/load/prepare", "/sandbox/load/report",
                "/sandbox/marketplace/api/saas/subscriptions/resolve", "/sandbox/recorder/{system}/behaviour",
                "/sandbox/subscriptions/{id}/webhooks");
        for (String path : paths) {
            String url = path.replaceAll("\\{[^}]+}", newSubscriptionId()) + "?api-version=2018-08-31";
            for (String method : List.of("GET", "POST")) {
                assertThat(status(method, url, null)).as(method + " " + path).isEqualTo(404);
                assertThat(status(method, url, OPERATOR)).as(method + " " + path + " as the operator").isEqualTo(404);
            }
        }
    }

    @Test
    void noSandboxBeanExistsOutsideTheSandboxProfile() {
        assertThat(Arrays.stream(context.getBeanDefinitionNames()).map(context::getType).filter(Objects::nonNull)
                .map(Class::getPackageName))
                .doesNotContain(SandboxConfiguration.class.getPackageName());
    }

    /**
     * The request paths of every controller the sandbox and the standalone simulator import (their imports'
     * imports too), with their {@code {variables}}.
     */
    private static List<String> sandboxPaths() {
        TreeSet<String> paths = new TreeSet<>();
        for (Class<?> type : imported(List.of(SandboxConfiguration.class, SimulatorApplication.class))) {
            if (!AnnotatedElementUtils.hasAnnotation(type, Controller.class)) {
                continue;
            }
            RequestMapping base = AnnotatedElementUtils.findMergedAnnotation(type, RequestMapping.class);
            for (Method method : type.getDeclaredMethods()) {
                RequestMapping mapping = AnnotatedElementUtils.findMergedAnnotation(method, RequestMapping.class);
                if (mapping != null) {
                    for (String prefix : pathsOf(base)) {
                        for (String end : pathsOf(mapping)) {
                            paths.add(prefix + end);
                        }
                    }
                }
            }
        }
        return List.copyOf(paths);
    }

    private static Set<Class<?>> imported(List<Class<?>> configurations) {
        Set<Class<?>> types = new LinkedHashSet<>();
        for (Class<?> configuration : configurations) {
            Import imports = configuration.getAnnotation(Import.class);
            if (imports != null) {
                for (Class<?> type : imports.value()) {
                    if (types.add(type)) {
                        types.addAll(imported(List.of(type)));
                    }
                }
            }
        }
        return types;
    }

    private static List<String> pathsOf(RequestMapping mapping) {
        return mapping == null || mapping.path().length == 0 ? List.of("") : List.of(mapping.path());
    }

    private int status(String method, String url, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + url))
                .method(method, HttpRequest.BodyPublishers.ofString("{}"))
                .header("Content-Type", "application/json");
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
