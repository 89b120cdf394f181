package io.marketplacebridge.marketplace;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import org.apache.camel.Body;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.springframework.stereotype.Component;

/**
 * Reads Fulfillment API answers for the {@code marketplace-api-call} route: how long to wait before the next
 * attempt, and the failure to raise when the attempts are over.
 */
@Component
public class MarketplaceResponses {

    private static final int MAX_ERROR_CHARS = 500;

    private final MarketplaceProperties properties;

    public MarketplaceResponses(MarketplaceProperties properties) {
        this.properties = properties;
    }

    /**
     * Milliseconds to wait before retrying a 429: {@code Retry-After} (seconds or an HTTP date) when sent,
     * otherwise the exponential back-off; never more than {@code bridge.marketplace.max-retry-after}.
     */
    public long retryAfterMillis(@Header("Retry-After") String retryAfter, @ExchangeProperty("CamelLoopIndex") int attempt) {
        long max = properties.maxRetryAfter().toMillis();
        Long given = parseRetryAfter(retryAfter);
        return Math.min(max, given != null ? given : backoffMillis(attempt));
    }

    /** Exponential back-off for the given zero-based attempt, capped like {@link #retryAfterMillis}. */
    public long backoffMillis(@ExchangeProperty("CamelLoopIndex") int attempt) {
        long base = properties.retryBackoff().toMillis();
        return Math.min(properties.maxRetryAfter().toMillis(), base << Math.min(attempt, 16));
    }

    /** Throws the {@link MarketplaceApiException} that describes a failed call. */
    public void fail(@Header("CamelHttpResponseCode") Integer status, @ExchangeProperty("bridgeApiCall") String call,
            @ExchangeProperty("bridgeApiError") String transportError, @Body String body) {
        String detail = transportError != null ? transportError : body == null ? "" : body;
        if (detail.length() > MAX_ERROR_CHARS) {
            detail = detail.substring(0, MAX_ERROR_CHARS) + "…";
        }
        int code = status == null ? 0 : status;
        if (code >= 400 && code < 500) {
            throw new MarketplaceRefusalException(code, call, detail);
        }
        throw new MarketplaceApiException(code, call, detail);
    }

    static Long parseRetryAfter(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String trimmed = value.trim();
        try {
            return Math.max(0, Long.parseLong(trimmed)) * 1000;
        } catch (NumberFormatException notSeconds) {
            try {
                Instant at = ZonedDateTime.parse(trimmed, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                return Math.max(0, Duration.between(Instant.now(), at).toMillis());
            } catch (RuntimeException notDate) {
                return null;
            }
        }
    }
}
