package io.marketplacebridge.sandbox;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/**
 * The sandbox marketplace's SaaS Fulfillment API v2 (docs/marketplace-contract.md §3), which the bridge calls over HTTP in
 * the {@code sandbox} profile. {@link MarketplaceSimulatorGate} checks the bearer token and {@code api-version}
 * first and adds Microsoft's {@code x-ms-requestid} and {@code x-ms-correlationid} to every answer.
 */
@RestController
@RequestMapping(MarketplaceSimulatorController.BASE_PATH + "/saas/subscriptions")
class MarketplaceSimulatorController {

    static final String BASE_PATH = "/sandbox/marketplace/api";
    static final String API_VERSION = "2018-08-31";

    private final SandboxMarketplace marketplace;
    private final int pageSize;

    MarketplaceSimulatorController(SandboxMarketplace marketplace,
            @Value("${bridge.sandbox.list-page-size}") int pageSize) {
        this.marketplace = marketplace;
        this.pageSize = Math.max(1, pageSize);
    }

    @PostMapping("/resolve")
    Map<String, Object> resolve(@RequestHeader(name = "x-ms-marketplace-token", required = false) String token) {
        return marketplace.resolve(token);
    }

    /**
     * List Subscriptions (fulfillment-api.md 3.3) in pages of {@code bridge.sandbox.list-page-size}: every page but
     * the last has an absolute {@code @nextLink} with a {@code continuationToken}, as Microsoft's pages of 100 do.
     */
    @GetMapping({"", "/"})
    Map<String, Object> listSubscriptions(@RequestParam(name = "continuationToken", required = false) String token) {
        int from = from(token);
        List<Map<String, Object>> page = marketplace.subscriptions(from, pageSize + 1);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("subscriptions", page.subList(0, Math.min(pageSize, page.size())));
        if (page.size() > pageSize) {
            answer.put("@nextLink", ServletUriComponentsBuilder.fromCurrentContextPath()
                    .path(BASE_PATH + "/saas/subscriptions/")
                    .queryParam("continuationToken", Base64.getUrlEncoder().withoutPadding()
                            .encodeToString(("from:" + (from + pageSize)).getBytes(StandardCharsets.UTF_8)))
                    .queryParam("api-version", API_VERSION)
                    .toUriString());
        }
        return answer;
    }

    private static int from(String token) {
        if (token == null || token.isBlank()) {
            return 0;
        }
        try {
            String decoded = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
            return Integer.parseInt(decoded.substring("from:".length()));
        } catch (RuntimeException notOurs) {
            throw SimulatorException.badRequest("The continuationToken is not one this marketplace issued.");
        }
    }

    @GetMapping("/{subscriptionId}")
    Map<String, Object> getSubscription(@PathVariable String subscriptionId) {
        return marketplace.subscription(subscriptionId);
    }

    @GetMapping("/{subscriptionId}/listAvailablePlans")
    Map<String, Object> listAvailablePlans(@PathVariable String subscriptionId,
            @RequestParam(name = "planId", required = false) String planId) {
        return Map.of("plans", marketplace.availablePlans(subscriptionId, planId));
    }

    @PostMapping("/{subscriptionId}/activate")
    ResponseEntity<Void> activate(@PathVariable String subscriptionId,
            @RequestBody(required = false) Map<String, Object> body) {
        marketplace.activate(subscriptionId, body);
        return ResponseEntity.ok().build();
    }

    @PatchMapping("/{subscriptionId}")
    ResponseEntity<Void> changePlanOrQuantity(@PathVariable String subscriptionId,
            @RequestBody(required = false) Map<String, Object> body) {
        return accepted(subscriptionId, marketplace.change(subscriptionId, body));
    }

    @DeleteMapping("/{subscriptionId}")
    ResponseEntity<Void> cancel(@PathVariable String subscriptionId) {
        return accepted(subscriptionId, marketplace.cancel(subscriptionId));
    }

    @GetMapping("/{subscriptionId}/operations")
    Map<String, List<Map<String, Object>>> listOutstandingOperations(@PathVariable String subscriptionId) {
        return Map.of("operations", marketplace.outstandingOperations(subscriptionId));
    }

    @GetMapping("/{subscriptionId}/operations/{operationId}")
    Map<String, Object> getOperation(@PathVariable String subscriptionId, @PathVariable String operationId) {
        return marketplace.operation(subscriptionId, operationId);
    }

    @PatchMapping("/{subscriptionId}/operations/{operationId}")
    ResponseEntity<Void> updateOperation(@PathVariable String subscriptionId, @PathVariable String operationId,
            @RequestBody(required = false) Map<String, Object> body) {
        marketplace.updateOperation(subscriptionId, operationId, body);
        return ResponseEntity.ok().build();
    }

    /** 202 with the absolute Operation-Location, which already carries api-version (docs/marketplace-contract.md §1). */
    private static ResponseEntity<Void> accepted(String subscriptionId, Map<String, Object> operation) {
        URI location = ServletUriComponentsBuilder.fromCurrentContextPath()
                .path(BASE_PATH + "/saas/subscriptions/{subscriptionId}/operations/{operationId}")
                .queryParam("api-version", API_VERSION)
                .buildAndExpand(subscriptionId, operation.get("id"))
                .toUri();
        return ResponseEntity.accepted().header("Operation-Location", location.toString()).build();
    }
}
