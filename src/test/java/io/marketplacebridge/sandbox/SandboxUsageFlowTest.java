package io.marketplacebridge.sandbox;

import static io.marketplacebridge.Logins.basic;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Metering in the sandbox, as a new user tries it: a subscription bought and activated through the simulated
 * marketplace, usage sent to the bridge, and each closed hour reported to the simulated metering service, which
 * applies Microsoft's rules.
 */
class SandboxUsageFlowTest extends SandboxTest {

    private static final String INTEGRATION = basic("integration:sandbox-integration");
    private static final String OPERATOR = basic("admin:sandbox-admin");

    @Test
    void usageSentToTheBridgeIsReportedToTheSimulatedMarketplaceOncePerHour() throws Exception {
        JsonNode purchase = JSON.readTree(send("POST", BASE + "/sandbox/purchases", "{\"planId\":\"basic\",\"quantity\":3}").body());
        String id = purchase.get("subscriptionId").asText();
        assertThat(send("GET", purchase.get("landingUrl").asText(), null).statusCode()).isEqualTo(200);
        await().atMost(WAIT).until(() -> send("GET", BASE + "/api/subscriptions/" + id + "/events", null, "Authorization", OPERATOR)
                .body().contains("\"Activated\""));
        Instant at = Instant.now();
        Instant hour = at.truncatedTo(ChronoUnit.HOURS);
        METERING_CLOCK.set(hour.plus(Duration.ofMinutes(66)));

        HttpResponse<String> accepted = send("POST", BASE + "/api/usage", "[" + record(id, "api-calls", "12", at) + ","
                + record(id, "api-calls", "0.5", at) + "," + record(id, "storage-gb", "1", at) + "]", "Authorization", INTEGRATION);
        HttpResponse<String> report = send("POST", BASE + "/api/admin/metering/report", null, "Authorization", OPERATOR);

        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        assertThat(report.statusCode()).as(report.body()).isEqualTo(200);
        JsonNode simulated = JSON.readTree(send("GET", BASE + "/sandbox/usage?subscriptionId=" + id, null).body()).path("usage");
        assertThat(simulated).hasSize(1);
        assertThat(simulated.at("/0/dimension").asText()).isEqualTo("api-calls");
        assertThat(simulated.at("/0/quantity").asDouble()).isEqualTo(12.5);
        assertThat(simulated.at("/0/planId").asText()).isEqualTo("basic");
        assertThat(Instant.parse(simulated.at("/0/effectiveStartTime").asText())).isEqualTo(hour);
        Map<String, JsonNode> hours = new LinkedHashMap<>();
        JSON.readTree(send("GET", BASE + "/api/subscriptions/" + id + "/usage", null, "Authorization", INTEGRATION).body())
                .path("hours").forEach(entry -> hours.put(entry.path("dimension").asText(), entry));
        assertThat(hours.get("api-calls").path("state").asText()).isEqualTo("reported");
        assertThat(hours.get("api-calls").path("usageEventId").asText()).isEqualTo(simulated.at("/0/usageEventId").asText());
        assertThat(hours.get("storage-gb").path("state").asText()).as("plan basic has no storage meter").isEqualTo("refused");
        assertThat(hours.get("storage-gb").path("reason").asText()).contains("InvalidDimension");
        await().atMost(WAIT).untilAsserted(() -> assertThat(send("GET", BASE + "/sandbox/deliveries?system=billing&subscriptionId=" + id,
                null).body()).contains("\"type\":\"UsageReported\"", "usage:" + id + ":api-calls:" + hour));
        assertThat(send("POST", BASE + "/api/usage", record(id, "api-calls", "1", at), "Authorization", INTEGRATION).statusCode())
                .as("the hour is reported: no more usage for it").isEqualTo(422);
    }

    @Test
    void theOffersPlansListTheirMeteringDimensions() throws Exception {
        JsonNode plans = JSON.readTree(send("GET", BASE + "/sandbox/plans", null).body()).path("plans");

        JsonNode pro = plans.findParents("planId").stream().filter(plan -> plan.path("planId").asText().equals("pro")).findFirst().orElseThrow();
        assertThat(pro.path("dimensions").findValuesAsText("id")).containsExactly("api-calls", "messages", "storage-gb");
        assertThat(pro.at("/dimensions/2/displayName").asText()).isEqualTo("Storage");
        assertThat(pro.at("/dimensions/2/unitOfMeasure").asText()).isEqualTo("GB per hour");
    }

    private static String record(String id, String dimension, String quantity, Instant at) {
        return "{\"subscriptionId\":\"" + id + "\",\"dimension\":\"" + dimension + "\",\"quantity\":" + quantity
                + ",\"timestamp\":\"" + at + "\"}";
    }

}
