package io.marketplacebridge.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.springframework.core.io.ClassPathResource;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The sandbox page ({@code sandbox/index.html}). Only in the {@code sandbox} profile: it also shows and drives the
 * bridge's own API on the same host, which a standalone simulator does not have.
 */
@RestController
class SandboxPage {

    private final byte[] page;

    SandboxPage() throws IOException {
        try (InputStream in = new ClassPathResource("sandbox/index.html").getInputStream()) {
            this.page = in.readAllBytes();
        }
    }

    @GetMapping({"/sandbox", "/sandbox/"})
    ResponseEntity<byte[]> page() {
        return ResponseEntity.ok().contentType(new MediaType(MediaType.TEXT_HTML, StandardCharsets.UTF_8)).body(page);
    }
}
