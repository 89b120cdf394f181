package io.marketplacebridge.metering;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.camel.Variable;
import org.springframework.stereotype.Component;

/**
 * Reads Microsoft's answer to one batch (docs/marketplace-contract.md §7.3) for routes/metering.camel.yaml: one result
 * per hour of the batch, found by its subscription, dimension, hour and plan (Microsoft echoes them in every item),
 * so that every hour is settled by its own item or, when none names it, is left for the next run. What each status
 * means for the hour is decided in the route.
 */
@Component
public class MeteringReport {

    /**
     * One result per hour of the batch: the hour with Microsoft's {@code status} (or {@code Unanswered} when the batch
     * got no answer, {@code BatchRefused} when Microsoft refused the whole batch, {@code NoResult} when no item names
     * the hour), {@code usageEventId}, and for {@code Duplicate} the quantity Microsoft accepted earlier
     * ({@code microsoftQuantity}) and whether it differs from the bridge's ({@code quantityDiffers}).
     *
     * @param batch the batch as {@link UsageHours#nextBatch} made it
     * @param answer batchUsageEvent's answer: {@code {count, result[]}}, or {@code {unanswered, permanent}}
     */
    @SuppressWarnings("unchecked")
    public List<Map<String, Object>> results(@Variable("batch") Map<String, Object> batch,
            @Variable("answer") Map<String, Object> answer) {
        List<Map<String, Object>> hours = (List<Map<String, Object>>) batch.get("hours");
        List<Map<String, Object>> results = new ArrayList<>();
        if (answer.get("unanswered") != null) {
            String status = Boolean.TRUE.equals(answer.get("permanent")) ? "BatchRefused" : "Unanswered";
            hours.forEach(hour -> results.add(result(hour, batch, status, null, String.valueOf(answer.get("unanswered")))));
            return results;
        }
        List<Map<String, Object>> items = answer.get("result") instanceof List<?> list
                ? list.stream().filter(Map.class::isInstance).map(item -> (Map<String, Object>) item).toList() : List.of();
        boolean[] used = new boolean[items.size()];
        for (int h = 0; h < hours.size(); h++) {
            Map<String, Object> hour = hours.get(h);
            int found = -1;
            for (int i = 0; i < items.size() && found < 0; i++) {
                if (!used[i] && names(items.get(i), hour)) {
                    found = i;
                }
            }
            // An item that names no hour at all can only be read by its place.
            if (found < 0 && h < items.size() && !used[h] && items.get(h).get("resourceId") == null && items.size() == hours.size()) {
                found = h;
            }
            if (found < 0) {
                results.add(result(hour, batch, "NoResult", null, "Microsoft's answer has no item for this hour"));
                continue;
            }
            used[found] = true;
            results.add(result(hour, batch, String.valueOf(items.get(found).get("status")), items.get(found), null));
        }
        return results;
    }

    /** Counts the batch's results into the running report: hours sent, reported, refused, left for the next run. */
    public void tally(@Variable("report") Map<String, Object> report, @Variable("results") List<Map<String, Object>> results) {
        report.merge("batches", 1, (a, b) -> (Integer) a + (Integer) b);
        for (Map<String, Object> result : results) {
            String status = String.valueOf(result.get("status"));
            String outcome = switch (status) {
                case "Accepted", "Duplicate" -> "reported";
                case "Expired", "ResourceNotFound", "ResourceNotActive", "InvalidDimension", "InvalidQuantity", "BadArgument",
                        "BatchRefused" -> "refused";
                default -> "retried";
            };
            report.merge("hours", 1, (a, b) -> (Integer) a + (Integer) b);
            report.merge(outcome, 1, (a, b) -> (Integer) a + (Integer) b);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> result(Map<String, Object> hour, Map<String, Object> batch, String status,
            Map<String, Object> item, String message) {
        Map<String, Object> result = new LinkedHashMap<>();
        for (String field : List.of("subscriptionId", "planId", "dimension", "hourStart", "quantity", "records", "attempts")) {
            result.put(field, hour.get(field));
        }
        result.put("batchId", batch.get("batchId"));
        result.put("status", status);
        if (item != null) {
            Map<String, Object> error = item.get("error") instanceof Map<?, ?> e ? (Map<String, Object>) e : Map.of();
            Map<String, Object> accepted = "Duplicate".equals(status) && error.get("additionalInfo") instanceof Map<?, ?> info
                    && info.get("acceptedMessage") instanceof Map<?, ?> earlier ? (Map<String, Object>) earlier : null;
            Object usageEventId = accepted != null ? accepted.get("usageEventId") : item.get("usageEventId");
            result.put("usageEventId", usageEventId == null ? null : String.valueOf(usageEventId));
            result.put("messageTime", item.get("messageTime"));
            if ("Duplicate".equals(status)) {
                BigDecimal theirs = accepted == null ? null : decimal(accepted.get("quantity"));
                result.put("microsoftQuantity", theirs);
                result.put("quantityDiffers", theirs == null || !sameQuantity((BigDecimal) hour.get("quantity"), theirs));
            }
            String detail = Objects.toString(error.get("message"), Objects.toString(item.get("message"), ""));
            String code = Objects.toString(error.get("code"), "");
            message = "Microsoft answered " + status + (code.isEmpty() || code.equals(status) ? "" : " (" + code + ")")
                    + (detail.isEmpty() ? "" : ": " + detail);
        }
        result.put("message", message);
        return result;
    }

    /** Whether a batch item is Microsoft's answer for this hour. */
    private static boolean names(Map<String, Object> item, Map<String, Object> hour) {
        Object resourceId = item.get("resourceId");
        Object planId = item.get("planId");
        Instant start = utcTime(item.get("effectiveStartTime"));
        return resourceId != null && String.valueOf(resourceId).equalsIgnoreCase(String.valueOf(hour.get("subscriptionId")))
                && Objects.equals(item.get("dimension"), hour.get("dimension"))
                && start != null && start.equals(Instant.parse(String.valueOf(hour.get("hourStart"))))
                && (planId == null || planId.equals(hour.get("planId")));
    }

    /**
     * Microsoft keeps quantities as doubles: the same double is the same quantity, even where the decimal the bridge
     * keeps has more digits than a double holds.
     */
    static boolean sameQuantity(BigDecimal ours, BigDecimal theirs) {
        return ours.compareTo(theirs) == 0 || ours.doubleValue() == theirs.doubleValue();
    }

    private static BigDecimal decimal(Object value) {
        if (value == null) {
            return null;
        }
        try {
            return new BigDecimal(value.toString());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * An {@code effectiveStartTime} as Microsoft writes it: with an offset, or without one
     * ({@code 2018-12-01T08:00:00}, UTC); null when it is neither.
     */
    public static Instant utcTime(Object value) {
        if (value == null) {
            return null;
        }
        String text = value.toString().trim();
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException withoutOffset) {
            try {
                return LocalDateTime.parse(text).toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException e) {
                return null;
            }
        }
    }
}
