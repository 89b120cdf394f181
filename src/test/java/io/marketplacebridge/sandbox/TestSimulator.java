package io.marketplacebridge.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The standalone simulator, started in the test's JVM as {@code java -jar … --spring.profiles.active=simulator}
 * starts it (config/application-simulator.yaml), on a random port, with the test's settings on top.
 */
final class TestSimulator implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();
    /** The token its Fulfillment API takes (application-simulator.yaml). */
    static final String API_TOKEN = "simulator-not-a-secret";
    static final String API_VERSION = "api-version=2018-08-31";

    final ConfigurableApplicationContext context;
    final String base;
    private final HttpClient http = HttpClient.newHttpClient();

    private TestSimulator(ConfigurableApplicationContext context) {
        this.context = context;
        this.base = "http://localhost:" + context.getEnvironment().getProperty("local.server.port");
    }

    /** Starts a simulator; {@code settings} are {@code key=value} pairs, as on the command line without "--". */
    static TestSimulator start(String... settings) {
        List<String> args = new ArrayList<>(List.of("--spring.profiles.active=simulator", "--server.port=0"));
        for (String setting : settings) {
            args.add("--" + setting);
        }
        return new TestSimulator(SimulatorApplication.run(args.toArray(String[]::new)));
    }

    /** An HTTP call to the simulator; {@code headers} are name, value pairs. */
    HttpResponse<String> send(String method, String path, String body, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A call to the simulated Fulfillment API, as the bridge makes it. */
    HttpResponse<String> fulfillmentApi(String method, String path, String body) throws IOException, InterruptedException {
        return send(method, "/sandbox/marketplace/api/saas/subscriptions/" + path + (path.contains("?") ? "&" : "?") + API_VERSION,
                body, "Authorization", "Bearer " + API_TOKEN);
    }

    /** The load report. */
    JsonNode report() throws IOException, InterruptedException {
        return JSON.readTree(send("GET", "/sandbox/load/report", null).body());
    }

    @Override
    public void close() {
        context.close();
    }
}
