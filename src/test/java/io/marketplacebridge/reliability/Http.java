package io.marketplacebridge.reliability;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** The reliability tests' HTTP calls: HTTP/1.1, bounded in time, any headers a test names. */
final class Http {

    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private Http() {
    }

    /** Sends the request; a null body sends none, a null header value leaves the header out. */
    static HttpResponse<String> send(String method, URI uri, Map<String, String> headers, byte[] body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(TIMEOUT)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach((name, value) -> {
            if (value != null) {
                request.header(name, value);
            }
        });
        return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    /** Sends a JSON body (none when null) with this Authorization header (none when null). */
    static HttpResponse<String> json(String method, URI uri, String authorization, String json) throws Exception {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Authorization", authorization);
        if (json != null) {
            headers.put("Content-Type", "application/json");
        }
        return send(method, uri, headers, json == null ? null : json.getBytes(StandardCharsets.UTF_8));
    }
}
