package io.marketplacebridge.sandbox;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The recording endpoints that stand in for the publisher's provisioning, billing and CRM in the sandbox, how they
 * answer, and what they received.
 */
@RestController
class RecorderController {

    private final DeliveryRecorder recorder;

    RecorderController(DeliveryRecorder recorder) {
        this.recorder = recorder;
    }

    @RequestMapping(path = "/sandbox/recorder/{system}",
            method = {RequestMethod.POST, RequestMethod.PUT, RequestMethod.PATCH, RequestMethod.DELETE})
    ResponseEntity<Map<String, Object>> receive(@PathVariable String system, HttpServletRequest request,
            @RequestBody(required = false) String body) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (String name : Collections.list(request.getHeaderNames())) {
            headers.put(name.toLowerCase(Locale.ROOT), request.getHeader(name));
        }
        Map<String, Object> delivery = recorder.record(system, request.getMethod(), headers, body);
        int status = (Integer) delivery.get("answer");
        if (status == 204) {
            return ResponseEntity.noContent().build();
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("recorded", delivery.get("sequence"));
        answer.put("status", status);
        answer.put("meaning", meaning(system, status));
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON).body(answer);
    }

    @PostMapping("/sandbox/recorder/{system}/behaviour")
    DeliveryRecorder.Behaviour behave(@PathVariable String system, @RequestBody DeliveryRecorder.Behaviour behaviour) {
        return recorder.behave(system, behaviour);
    }

    @GetMapping("/sandbox/recorder/{system}/behaviour")
    DeliveryRecorder.Behaviour behaviour(@PathVariable String system) {
        return recorder.behaviour(system);
    }

    /** What the recording endpoints received, oldest first: one system's, or every system's by system. */
    @GetMapping("/sandbox/deliveries")
    Object deliveries(@RequestParam(name = "system", required = false) String system,
            @RequestParam(name = "subscriptionId", required = false) String subscriptionId) {
        if (system != null) {
            if (!DeliveryRecorder.SYSTEMS.contains(system)) {
                throw SimulatorException.badRequest("system must be one of " + String.join(", ", DeliveryRecorder.SYSTEMS) + ".");
            }
            return recorder.deliveries(system, subscriptionId);
        }
        Map<String, Object> all = new LinkedHashMap<>();
        DeliveryRecorder.SYSTEMS.forEach(each -> all.put(each, recorder.deliveries(each, subscriptionId)));
        return all;
    }

    /**
     * Every delivery to one system counted by {@code Idempotency-Key}, for the keys that start with {@code prefix}
     * ({@code purchase:}, {@code snapshot:}, {@code usage:}): {@code {key: {deliveries, accepted, firstSequence}}}.
     */
    @GetMapping("/sandbox/deliveries/keys")
    Map<String, DeliveryRecorder.KeyCount> keys(@RequestParam(name = "system") String system,
            @RequestParam(name = "prefix", defaultValue = "") String prefix) {
        return recorder.keys(system, prefix);
    }

    private static String meaning(String system, int status) {
        if (status == 202 && "provisioning".equals(system)) {
            return "accepted, tenant not ready yet: activate with POST /api/subscriptions/{id}/activation";
        }
        HttpStatus known = HttpStatus.resolve(status);
        return known == null ? "simulated answer" : "simulated answer: " + known.getReasonPhrase();
    }
}
