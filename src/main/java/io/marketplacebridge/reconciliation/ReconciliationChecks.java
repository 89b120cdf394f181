package io.marketplacebridge.reconciliation;

import io.marketplacebridge.event.SubscriptionEventMapper;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.camel.Variable;
import org.springframework.stereotype.Component;

/**
 * What reconciliation compares (routes/reconciliation.camel.yaml): Microsoft's subscription against the last state
 * the bridge published, and how old a purchase or an operation is. The routes decide what to do with the answers.
 */
@Component
public class ReconciliationChecks {

    /** What a {@code Snapshot} repairs: the fields downstream systems act on. */
    static final List<String> FIELDS = List.of("saasSubscriptionStatus", "planId", "quantity", "term", "autoRenew");
    private static final List<String> TERM_FIELDS = List.of("startDate", "endDate", "termUnit");

    private final Clock clock;

    public ReconciliationChecks() {
        this(Clock.systemUTC());
    }

    ReconciliationChecks(Clock clock) {
        this.clock = clock;
    }

    /**
     * How Microsoft's subscription differs from the state the bridge published: per field that differs,
     * {@code {"published": …, "microsoft": …}}; empty when they agree. Every field differs from a subscription the
     * bridge never published ({@code published} null).
     */
    public Map<String, Object> drift(@Variable("subscription") Map<String, Object> subscription,
            @Variable("published") Map<String, Object> published) {
        Map<String, Object> microsoft = SubscriptionEventMapper.normalize(subscription);
        Map<String, Object> known = published == null ? Map.of() : SubscriptionEventMapper.normalize(published);
        Map<String, Object> changes = new LinkedHashMap<>();
        for (String field : FIELDS) {
            Object now = comparable(field, microsoft.get(field));
            Object before = comparable(field, known.get(field));
            if (published == null || !Objects.equals(now, before)) {
                Map<String, Object> change = new LinkedHashMap<>();
                change.put("published", before);
                change.put("microsoft", now);
                changes.put(field, change);
            }
        }
        return changes;
    }

    /** Seconds since the operation's {@code timeStamp}; a very large number when it has none. */
    public long operationAge(@Variable("operation") Map<String, Object> operation) {
        Instant at = instant(operation.get("timeStamp"));
        return at == null ? Long.MAX_VALUE : Duration.between(at, clock.instant()).toSeconds();
    }

    /** How long ago the subscription was bought ({@code created}), or null when Microsoft does not say. */
    Duration pendingFor(Map<String, Object> subscription) {
        Instant created = instant(subscription.get("created"));
        return created == null ? null : Duration.between(created, clock.instant());
    }

    Instant now() {
        return clock.instant();
    }

    /** Microsoft writes times with and without an offset ({@code 2024-05-02T10:15:00Z}, {@code 2024-05-02T10:15:00}). */
    static Instant instant(Object value) {
        if (!(value instanceof String text) || text.isBlank() || text.startsWith("0001-")) {
            return null;
        }
        try {
            return Instant.parse(text.trim());
        } catch (DateTimeParseException withoutOffset) {
            try {
                return LocalDateTime.parse(text.trim()).toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException unreadable) {
                return null;
            }
        }
    }

    private static Object comparable(String field, Object value) {
        if ("term".equals(field)) {
            if (!(value instanceof Map<?, ?> term)) {
                return null;
            }
            Map<String, Object> kept = new LinkedHashMap<>();
            TERM_FIELDS.forEach(name -> kept.put(name, term.get(name) == null ? null : String.valueOf(term.get(name))));
            return kept;
        }
        if (value instanceof Number number) {
            return number.longValue();
        }
        return value;
    }
}
