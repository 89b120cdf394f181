package io.marketplacebridge.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.marketplacebridge.BridgeTest;
import io.marketplacebridge.CanonicalEvents;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/** deliver-audit.camel.yaml: every event as one JSON line of the day's audit file, in the order of the queue. */
class DeliverAuditFlowTest extends BridgeTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final Path AUDIT = BROKER_DIR.resolve("audit");
    private static final ObjectMapper JSON = new ObjectMapper();

    @LocalServerPort
    int port;

    @Autowired
    ProducerTemplate producer;

    @Test
    void purchaseAndActivationAreAuditedAsOneJsonLineEach() throws Exception {
        String id = newSubscriptionId();

        purchase(port, id);

        await().atMost(WAIT).untilAsserted(() -> assertThat(lines(id)).hasSize(2));
        List<JsonNode> lines = lines(id);
        assertThat(lines).extracting(line -> line.path("eventType").asText()).containsExactly("Purchased", "Activated");
        JsonNode purchased = lines.get(0);
        assertThat(purchased.path("eventId").asText()).isEqualTo("purchase:" + id);
        assertThat(purchased.path("subscriptionId").asText()).isEqualTo(id);
        assertThat(purchased.path("correlationId").asText()).isNotBlank();
        assertThat(purchased.path("recordedAt").asText()).isNotBlank();
        assertThat(purchased.path("event").path("type").asText()).isEqualTo("Purchased");
        assertThat(purchased.path("event").path("subscription").path("planId").asText()).isEqualTo("basic");
    }

    @Test
    void eventsAreWrittenInTheOrderTheyWerePublishedIntoTheDaysFile() throws Exception {
        String first = newSubscriptionId();
        String second = newSubscriptionId();
        List<String> published = new ArrayList<>();

        for (int n = 1; n <= 4; n++) {
            for (String id : List.of(first, second)) {
                CanonicalEvents.publish(producer, "e" + n + ":" + id, "QuantityChanged", id);
                published.add("e" + n + ":" + id);
            }
        }

        await().atMost(WAIT).untilAsserted(() -> assertThat(eventIds(first, second)).hasSize(published.size()));
        assertThat(eventIds(first, second)).containsExactlyElementsOf(published);
        try (Stream<Path> files = Files.list(AUDIT)) {
            assertThat(files.map(file -> file.getFileName().toString())).allMatch(name -> name.matches("audit-\\d{4}-\\d{2}-\\d{2}\\.jsonl"));
        }
    }

    private static List<String> eventIds(String... subscriptionIds) throws IOException {
        return allLines().stream()
                .filter(line -> List.of(subscriptionIds).contains(line.path("subscriptionId").asText()))
                .map(line -> line.path("eventId").asText())
                .toList();
    }

    private static List<JsonNode> lines(String subscriptionId) throws IOException {
        return allLines().stream().filter(line -> line.path("subscriptionId").asText().equals(subscriptionId)).toList();
    }

    /** Every complete line of every audit file, oldest file first; each must be a JSON object. */
    private static List<JsonNode> allLines() throws IOException {
        if (!Files.isDirectory(AUDIT)) {
            return List.of();
        }
        List<JsonNode> lines = new ArrayList<>();
        try (Stream<Path> files = Files.list(AUDIT)) {
            for (Path file : files.sorted().toList()) {
                // A line being appended right now is complete only once its newline is written.
                String content = Files.readString(file);
                for (String line : content.substring(0, content.lastIndexOf('\n') + 1).split("\n")) {
                    if (line.isEmpty()) {
                        continue;
                    }
                    try {
                        lines.add(JSON.readTree(line));
                    } catch (IOException e) {
                        throw new UncheckedIOException("Not a JSON line in " + file + ": " + line, e);
                    }
                }
            }
        }
        return lines;
    }
}
