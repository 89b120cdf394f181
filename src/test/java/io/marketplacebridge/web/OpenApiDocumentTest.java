package io.marketplacebridge.web;

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
import java.util.Base64;
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

    private static final String INTEGRATION = "Basic " + Base64.getEncoder()
            .encodeToString("integration:test-integration-password".getBytes(StandardCharsets.UTF_8));

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
}
