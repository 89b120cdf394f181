package io.marketplacebridge.registry;

import io.marketplacebridge.event.SubscriptionEventMapper;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.camel.Header;
import org.apache.camel.Variable;
import org.springframework.stereotype.Component;

/**
 * The answer of {@code GET /api/subscriptions/{id}} (routes/subscriptions.camel.yaml): what Microsoft says now, what
 * the bridge last published, and where the timeline is.
 */
@Component
public class SubscriptionViews {

    /**
     * {@code {"subscriptionId", "microsoft", "availablePlans", "registry", "openOperations", "links"}};
     * {@code registry} is left out for a subscription the bridge has not published anything of yet (nobody landed it).
     */
    public Map<String, Object> subscription(@Header("bridgeSubscriptionId") String subscriptionId,
            @Variable("subscription") Map<String, Object> microsoft, @Variable("plans") Map<String, Object> plans,
            @Variable("registered") Map<String, Object> registered, @Variable("open") List<Map<String, Object>> open) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("subscriptionId", subscriptionId);
        view.put("microsoft", SubscriptionEventMapper.normalize(microsoft));
        view.put("availablePlans", plans == null ? List.of() : plans.getOrDefault("plans", List.of()));
        view.put("registry", registered);
        view.put("openOperations", open == null ? List.of() : open);
        Map<String, Object> links = new LinkedHashMap<>();
        links.put("events", "/api/subscriptions/" + subscriptionId + "/events");
        view.put("links", links);
        return view;
    }
}
