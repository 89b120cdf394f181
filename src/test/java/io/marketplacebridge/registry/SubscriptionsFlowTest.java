package io.marketplacebridge.registry;

import static io.marketplacebridge.Logins.basic;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.marketplacebridge.BridgeTest;
import io.marketplacebridge.CanonicalEvents;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/** subscriptions.camel.yaml: the registry's list, one subscription, and its timeline with each system's outcome. */
class SubscriptionsFlowTest extends BridgeTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String OPERATOR = basic("operator:test-admin-password");

    @LocalServerPort
    int port;

    @Autowired
    ProducerTemplate producer;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void purchaseAndActivationAreListedWithTheirTimelineAndEachSystemsOutcome() throws Exception {
        String id = newSubscriptionId();

        purchase(port, id);

        await().atMost(WAIT).untilAsserted(() -> assertThat(deliveredSystems(id, "activated:" + id))
                .containsExactlyInAnyOrder("audit", "billing", "crm", "provisioning"));
        JsonNode timeline = read("/api/subscriptions/" + id + "/events");
        assertThat(timeline.path("events").findValuesAsText("type")).containsExactly("Purchased", "Activated");
        assertThat(timeline.path("events").get(0).path("source").asText()).isEqualTo("landing");
        JsonNode listed = read("/api/subscriptions?offerId=bridge-offer&status=Subscribed&size=200");
        assertThat(listed.path("total").asLong()).isPositive();
        assertThat(listed.path("subscriptions").findValuesAsText("subscriptionId")).contains(id);
        JsonNode first = listed.path("subscriptions").get(0);
        assertThat(first.has("updatedAt")).isTrue();
    }

    @Test
    void deadLetterAndReplayShowInTheTimelineWithTheReason() throws Exception {
        String id = newSubscriptionId();
        PUBLISHER.stubFor(post(urlPathEqualTo("/billing")).withRequestBody(containing(id)).atPriority(1)
                .willReturn(aResponse().withStatus(422).withBody("{\"error\":\"unknown plan\"}")));

        CanonicalEvents.publish(producer, "renew:" + id, "Renewed", id);

        await().atMost(WAIT).untilAsserted(() -> assertThat(outcomeOf(id, "renew:" + id, "billing")).isEqualTo("dead-lettered"));
        JsonNode billing = outcome(id, "renew:" + id, "billing");
        assertThat(billing.path("detail").asText()).contains("422", "unknown plan");
        await().atMost(WAIT).untilAsserted(() -> assertThat(outcomeOf(id, "renew:" + id, "provisioning")).isEqualTo("delivered"));
        PUBLISHER.stubFor(post(urlPathEqualTo("/billing")).withRequestBody(containing(id)).atPriority(1)
                .willReturn(aResponse().withStatus(200)));

        HttpResponse<String> replay = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port
                        + "/api/admin/dead-letters/billing/replay?subscriptionId=" + id))
                .header("Authorization", OPERATOR).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(replay.statusCode()).as(replay.body()).isEqualTo(200);
        await().atMost(WAIT).untilAsserted(() -> assertThat(outcomeOf(id, "renew:" + id, "billing")).isEqualTo("delivered"));
        JsonNode story = outcome(id, "renew:" + id, "billing");
        assertThat(story.path("deadLetterReason").asText()).contains("422");
        assertThat(story.has("deadLetteredAt")).isTrue();
        assertThat(story.has("replayedAt")).isTrue();
        assertThat(story.has("deliveredAt")).isTrue();
    }

    @Test
    void aRedeliveredEventIsOneTimelineEntry() throws Exception {
        String id = newSubscriptionId();

        CanonicalEvents.publish(producer, "renew:" + id, "Renewed", id);
        CanonicalEvents.publish(producer, "renew:" + id, "Renewed", id);

        await().atMost(WAIT).untilAsserted(() -> PUBLISHER.verify(2, postRequestedFor(urlPathEqualTo("/billing"))
                .withHeader("Idempotency-Key", equalTo("renew:" + id))));
        JsonNode timeline = read("/api/subscriptions/" + id + "/events");
        assertThat(timeline.path("events")).hasSize(1);
        assertThat(timeline.path("events").get(0).path("deliveries").findValuesAsText("system")).doesNotHaveDuplicates();
    }

    @Test
    void oneSubscriptionShowsMicrosoftsViewItsPlansAndWhatTheBridgePublished() throws Exception {
        String id = newSubscriptionId();
        CanonicalEvents.publish(producer, "renew:" + id, "Renewed", id);
        stubSubscription(id, "Subscribed", "pro", 12);
        MICROSOFT.stubFor(get(urlPathEqualTo("/api/saas/subscriptions/" + id + "/listAvailablePlans"))
                .willReturn(json(200, "{\"plans\":[{\"planId\":\"basic\"},{\"planId\":\"pro\"}]}")));
        await().atMost(WAIT).until(() -> !read("/api/subscriptions/" + id + "/events").path("events").isEmpty());

        JsonNode view = read("/api/subscriptions/" + id);

        assertThat(view.path("microsoft").path("planId").asText()).isEqualTo("pro");
        assertThat(view.path("availablePlans").findValuesAsText("planId")).containsExactly("basic", "pro");
        assertThat(view.path("registry").path("published").path("planId").asText()).isEqualTo("basic");
        assertThat(view.path("registry").path("lastEventId").asText()).isEqualTo("renew:" + id);
        assertThat(view.path("links").path("events").asText()).isEqualTo("/api/subscriptions/" + id + "/events");
        assertThat(view.path("openOperations").isArray()).isTrue();
    }

    @Test
    void badPagingIsA400AndAnUnknownSubscriptionA404() throws Exception {
        assertThat(send("/api/subscriptions?size=0").statusCode()).isEqualTo(400);
        assertThat(send("/api/subscriptions?page=x").statusCode()).isEqualTo(400);
        assertThat(send("/api/subscriptions/" + newSubscriptionId()).statusCode()).isEqualTo(404);
        assertThat(send("/api/subscriptions/not-a-guid/events").statusCode()).isEqualTo(400);
    }

    private List<String> deliveredSystems(String id, String eventId) throws Exception {
        List<String> systems = new ArrayList<>();
        for (JsonNode event : read("/api/subscriptions/" + id + "/events").path("events")) {
            if (event.path("eventId").asText().equals(eventId)) {
                event.path("deliveries").forEach(d -> {
                    if (d.path("outcome").asText().equals("delivered")) {
                        systems.add(d.path("system").asText());
                    }
                });
            }
        }
        return systems;
    }

    private String outcomeOf(String id, String eventId, String system) throws Exception {
        JsonNode delivery = outcome(id, eventId, system);
        return delivery == null ? null : delivery.path("outcome").asText();
    }

    private JsonNode outcome(String id, String eventId, String system) throws Exception {
        for (JsonNode event : read("/api/subscriptions/" + id + "/events").path("events")) {
            if (event.path("eventId").asText().equals(eventId)) {
                for (JsonNode delivery : event.path("deliveries")) {
                    if (delivery.path("system").asText().equals(system)) {
                        return delivery;
                    }
                }
            }
        }
        return null;
    }

    private JsonNode read(String path) throws Exception {
        HttpResponse<String> answer = send(path);
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        return JSON.readTree(answer.body());
    }

    private HttpResponse<String> send(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .header("Authorization", OPERATOR).build(), HttpResponse.BodyHandlers.ofString());
    }
}
