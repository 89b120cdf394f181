package io.marketplacebridge.sandbox;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The sandbox marketplace's metering API (docs/marketplace-contract.md §7.1, §7.3) beside its Fulfillment API (same
 * base path, token and {@code api-version}, checked by {@link MarketplaceSimulatorGate}), and what it accepted, for
 * the sandbox page and scripts ({@code GET /sandbox/usage}).
 */
@RestController
class SandboxMeteringController {

    private final SandboxMetering metering;

    SandboxMeteringController(SandboxMetering metering) {
        this.metering = metering;
    }

    /** One usage event: 200 Accepted, 409 Duplicate with the accepted event, 400 with Microsoft's error body otherwise. */
    @PostMapping(MarketplaceSimulatorController.BASE_PATH + "/usageEvent")
    ResponseEntity<Map<String, Object>> usageEvent(@RequestBody(required = false) Map<String, Object> event) {
        Map<String, Object> result = metering.usageEvent(event);
        Object status = result.get("status");
        if ("Accepted".equals(status)) {
            return ResponseEntity.ok(result);
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> error = (Map<String, Object>) result.get("error");
        if ("Duplicate".equals(status)) {
            return ResponseEntity.status(409).body(error);
        }
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("code", status);
        detail.put("message", error.get("message"));
        detail.put("target", "usageEventRequest");
        return body(400, "BadArgument", "One or more errors have occurred.", List.of(detail));
    }

    /** A batch of at most 25 usage events: always 200 {count, result[]}, one result per event; more than 25 is a 400. */
    @PostMapping(MarketplaceSimulatorController.BASE_PATH + "/batchUsageEvent")
    ResponseEntity<Map<String, Object>> batchUsageEvent(@RequestBody(required = false) Map<String, Object> body) {
        Object request = body == null ? null : body.get("request");
        if (!(request instanceof List<?> events) || !events.stream().allMatch(Map.class::isInstance)) {
            return body(400, "BadArgument", "The body must be {\"request\": [ …usage events… ]}.", List.of());
        }
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> usage = (List<Map<String, Object>>) events;
        try {
            return ResponseEntity.ok(metering.batch(usage));
        } catch (SimulatorException refused) {
            return body(400, refused.getCode(), refused.getMessage(), List.of());
        }
    }

    /** What the simulated marketplace accepted, oldest first: {@code {"usage": [...]}}. */
    @GetMapping("/sandbox/usage")
    Map<String, Object> usage(@RequestParam(name = "subscriptionId", required = false) String subscriptionId) {
        return Map.of("usage", metering.usage(subscriptionId == null || subscriptionId.isBlank() ? null : subscriptionId));
    }

    @ExceptionHandler(HttpMessageNotReadableException.class)
    ResponseEntity<Map<String, Object>> unreadable(HttpMessageNotReadableException unreadable) {
        return body(400, "BadArgument", "The request body is not valid JSON.", List.of());
    }

    /** Microsoft's error body for metering (§7.3): {@code {code, message, target, details[]}}. */
    private static ResponseEntity<Map<String, Object>> body(int status, String code, String message, List<Map<String, Object>> details) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("code", code);
        body.put("message", message);
        body.put("target", "usageEventRequest");
        body.put("details", details);
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON).body(body);
    }
}
