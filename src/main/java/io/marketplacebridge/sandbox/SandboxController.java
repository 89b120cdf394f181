package io.marketplacebridge.sandbox;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/**
 * The sandbox's JSON API: buy a test subscription, get its landing link (on the bridge, {@code bridge.simulator.bridge-url}),
 * watch the simulator's view of every subscription. Used by the sandbox page, the tests and scripts.
 */
@RestController
class SandboxController {

    /**
     * A test purchase: {@code quantity} only for per-seat plans; {@code csp} buys through a reseller;
     * {@code autoActivate} sells a plan Microsoft activates itself (Subscribed at once, announced by a
     * {@code Subscribe} webhook, no landing needed).
     */
    record PurchaseRequest(String offerId, String planId, Object quantity, Boolean csp, String name, Boolean autoActivate) {
    }

    private final SandboxMarketplace marketplace;
    private final SandboxWebhookSender webhooks;
    private final String bridgeUrl;

    SandboxController(SandboxMarketplace marketplace, SandboxWebhookSender webhooks, SimulatorProperties properties) {
        this.marketplace = marketplace;
        this.webhooks = webhooks;
        this.bridgeUrl = properties.bridgeUrl().toString().replaceAll("/+$", "");
    }

    @GetMapping("/sandbox/plans")
    Map<String, Object> plans() {
        return Map.of("plans", SandboxPlan.CATALOGUE);
    }

    @PostMapping("/sandbox/purchases")
    ResponseEntity<Map<String, Object>> purchase(@RequestBody PurchaseRequest request) {
        SandboxMarketplace.Purchase purchase = marketplace.purchase(request.offerId(), request.planId(),
                SandboxMarketplace.quantityOf(request.quantity()), Boolean.TRUE.equals(request.csp()), request.name());
        if (Boolean.TRUE.equals(request.autoActivate())) {
            webhooks.send(SandboxWebhooks.notification(marketplace.activateOnMicrosoftSide(purchase.subscriptionId())));
        }
        URI location = ServletUriComponentsBuilder.fromCurrentContextPath()
                .path("/sandbox/subscriptions/{id}").buildAndExpand(purchase.subscriptionId()).toUri();
        return ResponseEntity.created(location).body(landing(purchase.subscriptionId(), purchase.token()));
    }

    @GetMapping("/sandbox/subscriptions")
    Map<String, List<Map<String, Object>>> subscriptions() {
        return Map.of("subscriptions", marketplace.views());
    }

    @GetMapping("/sandbox/subscriptions/{id}")
    Map<String, Object> subscription(@PathVariable String id) {
        return marketplace.view(id);
    }

    /** A new landing link for an existing subscription, as "Manage account" in the Azure portal opens. */
    @PostMapping("/sandbox/subscriptions/{id}/token")
    Map<String, Object> newToken(@PathVariable String id) {
        return landing(id, marketplace.newToken(id));
    }

    /** The landing link carries the token URL-encoded, as Microsoft sends it ({@code +} is {@code %2B}). */
    private Map<String, Object> landing(String subscriptionId, String token) {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("subscriptionId", subscriptionId);
        answer.put("token", token);
        answer.put("landingUrl", bridgeUrl + "/landing?token=" + URLEncoder.encode(token, StandardCharsets.UTF_8));
        return answer;
    }
}
