package io.marketplacebridge.web;

import static io.marketplacebridge.Logins.basic;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.marketplacebridge.BridgeTest;
import io.marketplacebridge.webhook.MicrosoftWebhook;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * A form or multipart body on the API is a 415 problem before anything reads it: no login check, no route, nothing
 * stored, nothing logged as an error.
 */
@ExtendWith(OutputCaptureExtension.class)
class FormBodyRefusalTest extends BridgeTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FORM = "application/x-www-form-urlencoded";
    private static final String MULTIPART = "multipart/form-data; boundary=bridge";

    @LocalServerPort
    int port;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void formBodiesOnTheWebhookTheCallbackAndReplayAre415Problems(CapturedOutput output) throws Exception {
        String subscription = newSubscriptionId();
        String operation = UUID.randomUUID().toString();
        Map<String, HttpRequest.Builder> requests = new LinkedHashMap<>();
        requests.put("webhook form", post("/api/webhook", "Bearer " + MicrosoftWebhook.token(), FORM,
                "id=" + operation + "&subscriptionId=" + subscription + "&action=Suspend"));
        requests.put("webhook multipart", post("/api/webhook", "Bearer " + MicrosoftWebhook.token(), MULTIPART,
                multipart("id", operation)));
        requests.put("anonymous webhook form", post("/api/webhook", null, FORM, "id=" + operation));
        requests.put("activation form", post("/api/subscriptions/" + subscription + "/activation",
                basic("integration:test-integration-password"), FORM, "ready=true"));
        requests.put("activation multipart", post("/api/subscriptions/" + subscription + "/activation",
                basic("integration:test-integration-password"), MULTIPART, multipart("ready", "true")));
        requests.put("replay form", post("/api/admin/dead-letters/billing/replay",
                basic("operator:test-admin-password"), FORM, "all=true"));
        requests.put("replay multipart", post("/api/admin/dead-letters/billing/replay",
                basic("operator:test-admin-password"), MULTIPART, multipart("all", "true")));
        // What the servlet container cannot parse at all: these were anonymous 500s with a stack trace.
        requests.put("webhook malformed form", post("/api/webhook", null, FORM, "id=%zz&action=%"));
        requests.put("activation multipart without boundary", post("/api/subscriptions/" + subscription + "/activation",
                basic("integration:test-integration-password"), "multipart/form-data", "ready"));
        requests.put("replay malformed form", post("/api/admin/dead-letters/billing/replay",
                basic("operator:test-admin-password"), FORM, "all=%zz"));

        for (Map.Entry<String, HttpRequest.Builder> request : requests.entrySet()) {
            HttpResponse<String> answer = http.send(request.getValue().build(), HttpResponse.BodyHandlers.ofString());

            assertThat(answer.statusCode()).as(request.getKey() + ": " + answer.body()).isEqualTo(415);
            assertThat(answer.headers().firstValue("Content-Type")).as(request.getKey()).hasValue("application/problem+json");
            JsonNode problem = JSON.readTree(answer.body());
            assertThat(problem.path("type").asText()).isEqualTo("about:blank");
            assertThat(problem.path("title").asText()).isEqualTo("Unsupported Media Type");
            assertThat(problem.path("status").asInt()).isEqualTo(415);
            assertThat(problem.path("detail").asText()).as(request.getKey()).contains("application/json");
        }
        MICROSOFT.verify(0, getRequestedFor(urlPathMatching("/api/saas/subscriptions/" + subscription + ".*")));
        assertThat(output.getAll()).doesNotContain("notification for operation " + operation, "Replayed");
        assertThat(output.getAll().lines().filter(line -> line.contains(" ERROR ") && line.contains("-exec-"))).isEmpty();
    }

    @Test
    void jsonBodiesStillReachTheRoutes() throws Exception {
        HttpResponse<String> webhook = http.send(post("/api/webhook", "Bearer " + MicrosoftWebhook.token(),
                "application/json; charset=UTF-8", "not JSON").build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> callback = http.send(post("/api/subscriptions/" + newSubscriptionId() + "/activation",
                basic("integration:test-integration-password"), null, "").build(), HttpResponse.BodyHandlers.ofString());

        assertThat(webhook.statusCode()).as(webhook.body()).isEqualTo(400);
        assertThat(callback.statusCode()).as(callback.body()).isEqualTo(404);
    }

    private HttpRequest.Builder post(String path, String authorization, String contentType, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return request;
    }

    private static String multipart(String name, String value) {
        return "--bridge\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n--bridge--\r\n";
    }

}
