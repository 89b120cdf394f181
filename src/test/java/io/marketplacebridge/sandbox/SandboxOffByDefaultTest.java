package io.marketplacebridge.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.marketplacebridge.BridgeTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

/** Without the {@code sandbox} profile there is no simulator, page or recorder: a production bridge sells nothing. */
class SandboxOffByDefaultTest extends BridgeTest {

    @LocalServerPort
    int port;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void sandboxEndpointsDoNotExistOutsideTheSandboxProfile() throws Exception {
        assertThat(status("GET", "/sandbox")).isEqualTo(404);
        assertThat(status("POST", "/sandbox/purchases")).isEqualTo(404);
        assertThat(status("GET", "/sandbox/marketplace/api/saas/subscriptions?api-version=2018-08-31")).isEqualTo(404);
        assertThat(status("POST", "/sandbox/recorder/provisioning")).isEqualTo(404);
    }

    private int status(String method, String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .method(method, HttpRequest.BodyPublishers.ofString("{}"))
                .header("Content-Type", "application/json")
                .build();
        return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
