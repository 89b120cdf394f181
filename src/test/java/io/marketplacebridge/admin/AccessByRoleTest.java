package io.marketplacebridge.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.marketplacebridge.BridgeTest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Who reaches what (SecurityConfiguration): the publisher's systems the subscription, operation and usage endpoints
 * only; the operator those and the console, Jolokia, metrics, info and dead letters; nobody anything without a login
 * but the health probes.
 */
class AccessByRoleTest extends BridgeTest {

    private static final String OPERATOR = "operator:test-admin-password";
    private static final String INTEGRATION = "integration:test-integration-password";
    private static final List<String> OPERATOR_ONLY = List.of("/api/admin/dead-letters", "/actuator/jolokia",
            "/actuator/hawtio/", "/actuator/prometheus", "/actuator/info");
    private static final List<String> PUBLIC = List.of("/actuator/health", "/actuator/health/liveness",
            "/actuator/health/readiness");

    @LocalServerPort
    int port;

    @Test
    void integrationReachesTheActivationCallback() throws Exception {
        HttpResponse<String> answer = send("POST", activation(newSubscriptionId()), INTEGRATION);

        assertThat(answer.statusCode()).as(answer.body()).isIn(202, 404);
    }

    @Test
    void integrationIsRefusedTheConsoleJolokiaMetricsInfoAndDeadLetters() throws Exception {
        for (String path : OPERATOR_ONLY) {
            assertThat(send("GET", path, INTEGRATION).statusCode()).as(path).isEqualTo(403);
        }
        assertThat(send("POST", "/api/admin/dead-letters/billing/replay?all=true", INTEGRATION).statusCode()).isEqualTo(403);
        assertThat(send("POST", "/actuator/jolokia", INTEGRATION, "{\"type\":\"version\"}").statusCode()).isEqualTo(403);
    }

    @Test
    void operatorReachesEverythingTheIntegrationDoesAndTheOperatorEndpoints() throws Exception {
        HttpResponse<String> callback = send("POST", activation(newSubscriptionId()), OPERATOR);

        assertThat(callback.statusCode()).as(callback.body()).isIn(202, 404);
        for (String path : OPERATOR_ONLY) {
            int status = send("GET", path, OPERATOR).statusCode();
            // @SpringBootTest switches metrics export off, so the prometheus endpoint is absent here (404).
            assertThat(status).as(path).isEqualTo(path.equals("/actuator/prometheus") ? 404 : 200);
        }
    }

    @Test
    void anonymousCallsGet401ButHealthProbesArePublic() throws Exception {
        assertThat(send("POST", activation(newSubscriptionId()), null).statusCode()).isEqualTo(401);
        for (String path : OPERATOR_ONLY) {
            assertThat(send("GET", path, null).statusCode()).as(path).isEqualTo(401);
        }
        for (String path : PUBLIC) {
            HttpResponse<String> probe = send("GET", path, null);
            assertThat(probe.statusCode()).as(path).isEqualTo(200);
            assertThat(probe.body()).as(path).contains("\"status\":\"UP\"");
        }
    }

    @Test
    void refusedLoginsGetAProblemAndTheBasicChallenge() throws Exception {
        HttpResponse<String> anonymous = send("GET", "/api/subscriptions", null);
        HttpResponse<String> wrongPassword = send("GET", "/api/subscriptions", "integration:not-the-password");
        HttpResponse<String> otherRole = send("GET", "/api/admin/dead-letters", INTEGRATION);

        for (HttpResponse<String> refused : List.of(anonymous, wrongPassword)) {
            assertThat(refused.statusCode()).isEqualTo(401);
            assertThat(refused.headers().firstValue("WWW-Authenticate")).hasValue("Basic realm=\"marketplace-bridge\"");
            assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(refused.body()).contains("\"status\":401").doesNotContain("/api/subscriptions");
        }
        assertThat(otherRole.statusCode()).isEqualTo(403);
        assertThat(otherRole.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(otherRole.body()).contains("\"status\":403");
    }

    @Test
    void urlsTheFirewallRefusesGetAProblem() throws Exception {
        for (String path : List.of("/api/admin/dead-letters/%27%3B%20DROP%20TABLE%20subscription%3B%20--/replay",
                "/api/subscriptions/a%2Fb", "/api/subscriptions/%2E%2E/events", "/api/subscriptions;jsessionid=1",
                "/api/subscriptions?%09=1", "/api/admin/dead-letters/crm?%E2%80%AE%F4%8F%BF%BF=x")) {
            HttpResponse<String> refused = send("GET", path, OPERATOR);

            assertThat(refused.statusCode()).as(path).isEqualTo(400);
            assertThat(refused.headers().firstValue("Content-Type")).as(path).hasValue("application/problem+json");
            assertThat(refused.body()).as(path).contains("\"status\":400").doesNotContain("DROP");
        }
    }

    @Test
    void aPathNoRouteServesOrAMethodItDoesNotTakeIsAProblem() throws Exception {
        HttpResponse<String> unknown = send("DELETE", "/api/admin/dead-letters/", OPERATOR);
        HttpResponse<String> method = send("PUT", "/api/webhook", null);

        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(method.statusCode()).isEqualTo(405);
        for (HttpResponse<String> refused : List.of(unknown, method)) {
            assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(refused.body()).contains("\"status\":" + refused.statusCode());
        }
    }

    @Test
    void aLandingLinkTheFirewallRefusesGetsTheLandingPagesOwnPage() throws Exception {
        HttpResponse<String> refused = send("GET", "/landing?%09=1&token=abc", null);

        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
        assertThat(refused.body()).contains("This link does not work");
    }

    @Test
    void healthDetailsAreForTheOperatorOnly() throws Exception {
        HttpResponse<String> operator = send("GET", "/actuator/health", OPERATOR);
        HttpResponse<String> integration = send("GET", "/actuator/health", INTEGRATION);
        HttpResponse<String> anonymous = send("GET", "/actuator/health", null);

        assertThat(operator.body()).contains("\"components\"");
        assertThat(integration.statusCode()).isEqualTo(200);
        assertThat(integration.body()).doesNotContain("\"components\"");
        assertThat(anonymous.body()).doesNotContain("\"components\"");
    }

    @Test
    void basicLoginsGetNoSessionCookie() throws Exception {
        String[][] calls = {{"GET", "/api/subscriptions", INTEGRATION}, {"GET", "/api/operations/" + newSubscriptionId(), INTEGRATION},
                {"POST", activation(newSubscriptionId()), INTEGRATION}, {"GET", "/api/admin/dead-letters", OPERATOR},
                {"GET", "/actuator/hawtio/", OPERATOR}, {"GET", "/actuator/health", OPERATOR},
                {"GET", "/api/admin/dead-letters", INTEGRATION}, {"GET", "/api/subscriptions", null},
                {"GET", "/api/subscriptions", "integration:wrong"}};

        for (String[] request : calls) {
            HttpResponse<String> answer = send(request[0], request[1], request[2]);

            assertThat(answer.headers().allValues("Set-Cookie")).as(String.join(" ", request) + " → " + answer.statusCode()).isEmpty();
        }
    }

    private static String activation(String subscriptionId) {
        return "/api/subscriptions/" + subscriptionId + "/activation";
    }

    private HttpResponse<String> send(String method, String path, String credentials) throws Exception {
        return call(port, method, path, credentials, null);
    }

    private HttpResponse<String> send(String method, String path, String credentials, String json) throws Exception {
        return call(port, method, path, credentials, json);
    }
}
