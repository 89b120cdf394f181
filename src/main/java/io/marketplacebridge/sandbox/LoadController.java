package io.marketplacebridge.sandbox;

import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * The standalone simulator's load API (docs/simulator.md): prepare a load, send it, report on it, reset. Bad input
 * is a JSON problem ({@link SandboxErrors}) and changes nothing.
 */
@RestController
class LoadController {

    /**
     * How {@code POST /sandbox/load/send} sends: this many calls at a time; {@code ordered} (default true) one at a
     * time per subscription.
     */
    record SendRequest(Integer concurrency, Boolean ordered) {
    }

    private final SimulatedLoad load;

    LoadController(SimulatedLoad load) {
        this.load = load;
    }

    /**
     * Prepares the load and answers one line per notification, in sending order:
     * {@code <operationId> TAB <bearer token> TAB <notification JSON>}, for a tool such as wrk to send.
     */
    @PostMapping("/sandbox/load/prepare")
    void prepare(@RequestBody SimulatedLoad.Request request, HttpServletResponse response) throws IOException {
        List<SimulatedLoad.Notification> notifications = load.prepare(request);
        response.setContentType(new MediaType(MediaType.TEXT_PLAIN, StandardCharsets.UTF_8).toString());
        try (Writer lines = new BufferedWriter(new OutputStreamWriter(response.getOutputStream(), StandardCharsets.UTF_8))) {
            for (SimulatedLoad.Notification notification : notifications) {
                lines.write(notification.line());
                lines.write('\n');
            }
        }
    }

    /** Sends the prepared load to the bridge in the background: 202 at once. */
    @PostMapping("/sandbox/load/send")
    ResponseEntity<Map<String, Object>> send(@RequestBody(required = false) SendRequest request) {
        int sending = request == null ? load.send(null, null) : load.send(request.concurrency(), request.ordered());
        return ResponseEntity.accepted().body(Map.of("sending", sending));
    }

    @GetMapping("/sandbox/load/report")
    SimulatedLoad.Report report() {
        return load.report();
    }

    /** Forgets the load, the marketplace's subscriptions, the deliveries and the usage. */
    @PostMapping("/sandbox/load/reset")
    ResponseEntity<Void> reset() {
        load.reset();
        return ResponseEntity.noContent().build();
    }
}
