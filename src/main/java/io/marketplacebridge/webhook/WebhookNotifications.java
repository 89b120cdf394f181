package io.marketplacebridge.webhook;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.marketplacebridge.web.ProblemException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.camel.Body;
import org.apache.camel.Variable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Reads Microsoft's webhook notifications (docs/marketplace-contract.md §5). At intake: the body must be a JSON object
 * no larger than {@code bridge.webhook.max-body-bytes} that names its operation, subscription and action; every
 * other field, known or not, is kept as it came. In processing: what the body claims is compared with what Get
 * Operation says, because the body alone is never the truth.
 */
@Component
public class WebhookNotifications {

    private static final Logger LOG = LoggerFactory.getLogger(WebhookNotifications.class);
    private static final Pattern GUID = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final Pattern ACTION = Pattern.compile("[A-Za-z][A-Za-z0-9_-]{0,63}");
    private final long maxBytes;
    private final ObjectMapper json;

    public WebhookNotifications(WebhookProperties properties, ObjectMapper json) {
        this.maxBytes = properties.maxBodyBytes().toBytes();
        this.json = json;
    }

    /**
     * The identifying fields of a notification: {@code id} (the operation), {@code subscriptionId} (both GUIDs, in
     * lower case) and {@code action}.
     *
     * @throws ProblemException 413 when the body is too large, 400 when it is not a JSON object with those fields
     */
    public Map<String, String> read(@Body String body) {
        if (body != null && body.getBytes(StandardCharsets.UTF_8).length > maxBytes) {
            throw rejected(413, "The notification is larger than " + maxBytes + " bytes.");
        }
        JsonNode json;
        try {
            json = body == null || body.isBlank() ? null : this.json.readTree(body);
        } catch (JsonProcessingException e) {
            throw rejected(400, "The notification is not valid JSON.");
        }
        if (json == null || !json.isObject()) {
            throw rejected(400, "The notification must be a JSON object.");
        }
        Map<String, String> identity = new LinkedHashMap<>();
        identity.put("id", guid(json, "id"));
        identity.put("subscriptionId", guid(json, "subscriptionId"));
        JsonNode action = json.get("action");
        if (action == null || !action.isTextual() || !ACTION.matcher(action.asText()).matches()) {
            throw rejected(400, "The notification has no valid action.");
        }
        identity.put("action", action.asText());
        return identity;
    }

    /**
     * How the stored notification disagrees with Microsoft's operation: a different subscription, action, plan or
     * quantity (compared only where both name one). Empty when they agree.
     */
    public String contradictions(@Variable("notification") Map<String, Object> notification,
            @Variable("operation") Map<String, Object> operation) {
        List<String> differences = new ArrayList<>();
        for (String field : List.of("subscriptionId", "action", "planId", "quantity")) {
            Object claimed = notification.get(field);
            Object actual = operation.get(field);
            boolean identifying = field.equals("subscriptionId") || field.equals("action");
            if (identifying ? !same(claimed, actual) : bothSet(claimed, actual) && !same(claimed, actual)) {
                differences.add(field + " " + claimed + " (Get Operation: " + actual + ")");
            }
        }
        return String.join(", ", differences);
    }

    private static boolean bothSet(Object a, Object b) {
        return a != null && b != null && !a.toString().isBlank() && !b.toString().isBlank();
    }

    private static boolean same(Object claimed, Object actual) {
        if (claimed == null || actual == null) {
            return claimed == actual;
        }
        String a = claimed.toString().trim();
        String b = actual.toString().trim();
        try {
            return new BigDecimal(a).compareTo(new BigDecimal(b)) == 0;
        } catch (NumberFormatException e) {
            return a.equalsIgnoreCase(b);
        }
    }

    private static String guid(JsonNode json, String field) {
        JsonNode value = json.get(field);
        if (value == null || !value.isTextual() || !GUID.matcher(value.asText()).matches()) {
            throw rejected(400, "The notification's " + field + " must be a GUID.");
        }
        return value.asText().toLowerCase(Locale.ROOT);
    }

    private static ProblemException rejected(int status, String reason) {
        LOG.warn("Webhook notification refused ({}): {}", status, reason);
        return new ProblemException(status, reason);
    }
}
