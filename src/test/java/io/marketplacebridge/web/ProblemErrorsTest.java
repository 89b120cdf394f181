package io.marketplacebridge.web;

import static io.marketplacebridge.Logins.basic;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.marketplacebridge.BridgeTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * What fails before a route answers (a path no route serves, a method it does not take, a refused login or role) is
 * the bridge's problem JSON, as every route's refusal is, not Spring Boot's error body.
 */
class ProblemErrorsTest extends BridgeTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String INTEGRATION = "integration:test-integration-password";
    private static final String OPERATOR = "operator:test-admin-password";

    @LocalServerPort
    int port;

    @Test
    void operationsWithoutAnIdIsA404Problem() throws Exception {
        HttpResponse<String> answer = call(port, "GET", "/api/operations/", INTEGRATION, null);

        assertProblem(answer, 404, "There is nothing at /api/operations/: the API's paths are in GET /api/openapi.json.");
    }

    @Test
    void anUnknownApiPathIsA404ProblemEvenForABrowser() throws Exception {
        HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://localhost:" + port + "/api/nothing-here"))
                .header("Authorization", basic(OPERATOR))
                .header("Accept", "text/html,application/xhtml+xml,*/*;q=0.8").build(), HttpResponse.BodyHandlers.ofString());

        assertProblem(answer, 404, "There is nothing at /api/nothing-here: the API's paths are in GET /api/openapi.json.");
    }

    @Test
    void aMethodTheRouteDoesNotTakeIsA405Problem() throws Exception {
        String operation = newSubscriptionId();

        HttpResponse<String> answer = call(port, "PUT", "/api/operations/" + operation, INTEGRATION, "{}");

        assertProblem(answer, 405, "/api/operations/" + operation + " does not take PUT.");
        assertThat(answer.headers().firstValue("Allow")).hasValue("GET");
    }

    @Test
    void aMissingOrWrongLoginIsA401ProblemWithTheBasicChallenge() throws Exception {
        for (String credentials : new String[] {null, "integration:wrong"}) {
            HttpResponse<String> answer = call(port, "GET", "/api/subscriptions", credentials, null);

            assertProblem(answer, 401, "This path needs a login (HTTP Basic).");
            assertThat(answer.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(value -> assertThat(value).startsWith("Basic"));
        }
    }

    @Test
    void aRoleThatMayNotCallThePathIsA403Problem() throws Exception {
        HttpResponse<String> answer = call(port, "GET", "/api/admin/dead-letters", INTEGRATION, null);

        assertProblem(answer, 403, "These credentials may not call /api/admin/dead-letters.");
    }

    private static void assertProblem(HttpResponse<String> answer, int status, String detail) throws Exception {
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(status);
        assertThat(answer.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
        JsonNode problem = JSON.readTree(answer.body());
        assertThat(problem.path("status").asInt()).isEqualTo(status);
        assertThat(problem.path("type").asText()).isEqualTo("about:blank");
        // The wording comes from whichever refusal answers first (the security chain's, Spring MVC's problem details
        // or the bridge's error page); what a caller relies on is a problem with a detail, never Boot's error body.
        assertThat(problem.path("detail").asText()).as("detail (e.g. %s)", detail).isNotBlank();
        assertThat(problem.has("timestamp")).as("Spring Boot's error body").isFalse();
    }

}
