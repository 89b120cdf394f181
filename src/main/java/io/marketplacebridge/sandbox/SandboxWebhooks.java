package io.marketplacebridge.sandbox;

import jakarta.annotation.PreDestroy;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.util.List;
import java.util.Map;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * Microsoft's webhook, simulated: the sandbox page (or a script) makes something happen on Microsoft's side of a
 * subscription (a plan or quantity change in the admin center, a failed payment, a renewal, a cancellation) and the
 * marketplace tells the bridge through its webhook, signed like Entra ID signs it. The bridge's acknowledgement comes
 * back through the simulated Fulfillment API (Update Operation) and settles the operation there.
 */
@RestController
class SandboxWebhooks {

    /**
     * What happens: {@code action}, and the new {@code planId} or {@code quantity} of a change; {@code deliver}
     * {@code false} makes the change at Microsoft and sends no webhook, as a lost one (reconciliation finds it).
     */
    record WebhookRequest(String action, String planId, Object quantity, Boolean deliver) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(SandboxWebhooks.class);

    private final SandboxMarketplace marketplace;
    private final SandboxWebhookSender sender;
    private final SandboxEntraId entraId;

    /** How the publisher's operations behave: seconds InProgress, and {@code Succeeded} or {@code Failed}. */
    record OperationBehaviour(Long seconds, String outcome) {
    }

    private final ScheduledExecutorService confirmations = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "sandbox-confirmations");
        thread.setDaemon(true);
        return thread;
    });

    SandboxWebhooks(SandboxMarketplace marketplace, SandboxWebhookSender sender, SandboxEntraId entraId) {
        this.marketplace = marketplace;
        this.sender = sender;
        this.entraId = entraId;
        // Microsoft settles a publisher's operation in its own time and then confirms it with a webhook.
        confirmations.scheduleWithFixedDelay(this::confirmSettledOperations, 500, 500, TimeUnit.MILLISECONDS);
    }

    @PreDestroy
    void stop() {
        confirmations.shutdownNow();
    }

    /**
     * How the operations the publisher starts (PATCH, DELETE) behave from now on, e.g. {@code {"seconds": 20,
     * "outcome": "Failed"}}: InProgress that long, then settled and confirmed by a webhook.
     */
    @PostMapping("/sandbox/operations/behaviour")
    Map<String, Object> operationBehaviour(@RequestBody OperationBehaviour behaviour) {
        return marketplace.publisherOperations(behaviour.seconds() == null ? null : Duration.ofSeconds(behaviour.seconds()),
                behaviour.outcome());
    }

    /** The current behaviour of the publisher's operations. */
    @GetMapping("/sandbox/operations/behaviour")
    Map<String, Object> operationBehaviour() {
        return marketplace.publisherOperations(null, null);
    }

    private void confirmSettledOperations() {
        try {
            marketplace.settleDueOperations().forEach(event -> sender.send(notification(event)));
        } catch (RuntimeException e) {
            LOG.warn("Sandbox: confirming settled operations failed: {}", e.getMessage());
        }
    }

    /**
     * Starts the action on Microsoft's side and sends its webhook: {@code 202} with the operation id, the delivery
     * runs in the background (see {@link #deliveries}).
     */
    @PostMapping("/sandbox/subscriptions/{id}/webhooks")
    ResponseEntity<Map<String, Object>> fire(@PathVariable String id, @RequestBody WebhookRequest request) {
        SandboxMarketplace.MicrosoftEvent event = marketplace.startOnMicrosoftSide(id, request.action(), request.planId(),
                SandboxMarketplace.quantityOf(request.quantity()));
        boolean deliver = !Boolean.FALSE.equals(request.deliver());
        if (deliver) {
            sender.send(notification(event));
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("operationId", event.operation().get("id"));
        answer.put("action", event.operation().get("action"));
        answer.put("status", event.operation().get("status"));
        answer.put("delivered", deliver);
        return ResponseEntity.accepted().body(answer);
    }

    /** The webhook deliveries of a subscription: every attempt and the bridge's answer. */
    @GetMapping("/sandbox/subscriptions/{id}/webhooks")
    Map<String, List<Map<String, Object>>> deliveries(@PathVariable String id) {
        marketplace.subscription(id);
        return Map.of("deliveries", sender.deliveries(id));
    }

    /** The simulated tenant's signing keys: application-sandbox.yaml points {@code bridge.webhook.jwks-uri} here. */
    @GetMapping("/sandbox/marketplace/jwks")
    Map<String, Object> keySet() {
        return entraId.keySet();
    }

    /** The webhook body of docs/marketplace-contract.md §5: the operation's fields and the subscription before it. */
    static Map<String, Object> notification(SandboxMarketplace.MicrosoftEvent event) {
        Map<String, Object> operation = event.operation();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", operation.get("id"));
        body.put("activityId", operation.get("activityId"));
        body.put("publisherId", operation.get("publisherId"));
        body.put("offerId", operation.get("offerId"));
        body.put("planId", operation.get("planId"));
        if (operation.get("quantity") != null) {
            body.put("quantity", operation.get("quantity"));
        }
        body.put("subscriptionId", operation.get("subscriptionId"));
        body.put("timeStamp", operation.get("timeStamp"));
        body.put("action", operation.get("action"));
        body.put("status", operation.get("status"));
        body.put("operationRequestSource", operation.get("operationRequestSource"));
        body.put("subscription", event.subscriptionBefore());
        body.put("purchaseToken", null);
        return body;
    }
}
