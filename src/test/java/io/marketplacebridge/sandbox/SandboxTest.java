package io.marketplacebridge.sandbox;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.marketplacebridge.MutableClock;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.apache.camel.test.spring.junit5.DisableJmx;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.bean.override.convention.TestBean;

/**
 * The sandbox as a new user meets it: the whole bridge in the {@code sandbox} profile, calling the in-process
 * marketplace simulator and the recording endpoints over real HTTP, with the real embedded broker. The sandbox's
 * URLs are built from {@code server.port}, so the context runs on a fixed free port ({@code DEFINED_PORT}) rather
 * than port 0. The sandbox test classes share this one context.
 */
@CamelSpringBootTest
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT)
@ActiveProfiles("sandbox")
// Camel's MBeans, as a user's sandbox has them (Camel's test support switches them off): Hawtio shows the routes.
@DisableJmx(false)
abstract class SandboxTest {

    static final int PORT = freePort();
    static final String BASE = "http://localhost:" + PORT;
    static final Duration WAIT = Duration.ofSeconds(20);
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Path BROKER_DIR = Path.of("target", "sandbox-test-broker", UUID.randomUUID().toString());

    /**
     * The sandbox bridge's metering clock (bean {@code meteringClock}), which a test moves past an hour's close to
     * have it reported; the simulated marketplace keeps the real time.
     */
    static final MutableClock METERING_CLOCK = new MutableClock(Instant.now());

    @TestBean(name = "meteringClock")
    Clock meteringClock;

    private final HttpClient http = HttpClient.newHttpClient();

    static Clock meteringClock() {
        return METERING_CLOCK;
    }

    @DynamicPropertySource
    static void sandboxOnAFixedPort(DynamicPropertyRegistry registry) {
        registry.add("server.port", () -> PORT);
        registry.add("bridge.broker.data-dir", BROKER_DIR::toString);
        // Usage is reported when a test asks (POST /api/admin/metering/report), never by the schedule in between.
        registry.add("bridge.metering.interval", () -> "1h");
        // Short pages, so that a few purchases already make List Subscriptions page (SandboxReconciliationTest).
        registry.add("bridge.sandbox.list-page-size", () -> 2);
    }

    /** An HTTP call to the sandbox; {@code headers} are name, value pairs. */
    HttpResponse<String> send(String method, String url, String body, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
