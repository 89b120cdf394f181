package io.marketplacebridge.web;

import java.io.IOException;
import java.io.InputStream;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Serves the OpenAPI description of the bridge's own HTTP API ({@code src/main/resources/openapi.json}) at
 * {@code /api/openapi.json}. OpenApiDocumentTest keeps it and the routes in step: every platform-http route is
 * described, and nothing else.
 */
@RestController
class OpenApiDocument {

    private final byte[] document;

    OpenApiDocument() throws IOException {
        try (InputStream in = OpenApiDocument.class.getResourceAsStream("/openapi.json")) {
            if (in == null) {
                throw new IllegalStateException("openapi.json is missing from the classpath");
            }
            this.document = in.readAllBytes();
        }
    }

    @GetMapping(path = "/api/openapi.json", produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<byte[]> document() {
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(document);
    }
}
