package io.marketplacebridge.sandbox;

import java.net.URI;
import java.util.List;
import java.util.Map;
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

    MarketplaceSimulatorController(SandboxMarketplace marketplace) {
        this.marketplace = marketplace;
    }

    @PostMapping("/resolve")
    Map<String, Object> resolve(@RequestHeader(name = "x-ms-marketplace-token", required = false) String token) {
        return marketplace.resolve(token);
    }

    @GetMapping
    Map<String, Object> listSubscriptions() {
        return Map.of("subscriptions", marketplace.subscriptions());
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
