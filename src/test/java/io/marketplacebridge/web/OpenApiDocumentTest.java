package io.marketplacebridge.web;

import static io.marketplacebridge.Logins.basic;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.marketplacebridge.BridgeTest;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Set;
import java.util.TreeSet;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/** The OpenAPI description served at /api/openapi.json describes exactly the HTTP endpoints the routes serve. */
class OpenApiDocumentTest extends BridgeTest {

    private static final String INTEGRATION = basic("integration:test-integration-password");

    @LocalServerPort
    int port;

    @Autowired
    CamelContext camel;

    @Test
    void theDescriptionNamesEveryEndpointTheRoutesServeAndNoOther() throws Exception {
        HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + port + "/api/openapi.json")).header("Authorization", INTEGRATION).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(answer.statusCode()).isEqualTo(200);
        JsonNode document = new ObjectMapper().readTree(answer.body());
        assertThat(document.path("openapi").asText()).startsWith("3.");
        Set<String> described = new TreeSet<>();
        for (Iterator<String> paths = document.path("paths").fieldNames(); paths.hasNext();) {
            String path = paths.next();
            document.path("paths").path(path).fieldNames().forEachRemaining(method -> described.add(method.toUpperCase() + " " + path));
        }
        Set<String> served = new TreeSet<>();
        served.add("GET /api/openapi.json");
        for (Route route : camel.getRoutes()) {
            String uri = route.getEndpoint().getEndpointUri();
            if (uri.startsWith("platform-http:")) {
                String path = URLDecoder.decode(uri.substring("platform-http:".length()).replaceFirst("^/+", "/").replaceAll("\\?.*", ""),
                        StandardCharsets.UTF_8);
                String method = uri.replaceAll(".*httpMethodRestrict=([A-Z]+).*", "$1");
                served.add(method + " " + path);
            }
        }
        assertThat(described).isEqualTo(served);
    }

    /**
     * What answers every API call may get besides its own: a problem body for each refusal, 401 without a login
     * (SecurityConfiguration; the webhook's own JWT), 403 for the integration on an operator path, 415 for a form body
     * (FormBodyRefusal), and 503 with Retry-After while the routes start (FlowsReady) or a system the call needs is
     * down.
     */
    @Test
    void everyApiOperationDescribesTheProblemAnswersItMayGet() throws Exception {
        JsonNode document = new ObjectMapper().readTree(OpenApiDocumentTest.class.getResourceAsStream("/openapi.json"));
        Set<String> gaps = new TreeSet<>();

        for (Iterator<String> paths = document.path("paths").fieldNames(); paths.hasNext();) {
            String path = paths.next();
            if (!path.startsWith("/api/")) {
                continue;
            }
            for (Iterator<String> methods = document.path("paths").path(path).fieldNames(); methods.hasNext();) {
                String method = methods.next();
                JsonNode operation = document.path("paths").path(path).path(method);
                JsonNode responses = operation.path("responses");
                String name = method.toUpperCase() + " " + path;
                responses.fieldNames().forEachRemaining(status -> {
                    if (status.matches("[45]..") && !responses.path(status).path("content").path("application/problem+json")
                            .path("schema").path("$ref").asText().equals("#/components/schemas/Problem")) {
                        gaps.add(name + ": " + status + " is not a Problem");
                    }
                });
                require(gaps, name, responses, "401");
                if (operation.path("security").toString().contains("operator") && !operation.path("security").toString().contains("integration")) {
                    require(gaps, name, responses, "403");
                }
                if (!method.equals("get")) {
                    require(gaps, name, responses, "415");
                }
                require(gaps, name, responses, "503");
                if (!responses.path("503").path("headers").has("Retry-After")) {
                    gaps.add(name + ": 503 without Retry-After");
                }
            }
        }

        assertThat(gaps).isEmpty();
    }

    private static void require(Set<String> gaps, String operation, JsonNode responses, String status) {
        if (!responses.has(status)) {
            gaps.add(operation + ": no " + status);
        }
    }
}
