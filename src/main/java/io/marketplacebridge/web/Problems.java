package io.marketplacebridge.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.marketplacebridge.failure.Failure;
import io.marketplacebridge.marketplace.FulfillmentApi;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

/**
 * JSON problem answers (RFC 9457) of the bridge's HTTP endpoints (policy {@code http-intake-errors}), and the checks
 * of path parameters that become parts of Fulfillment API URLs.
 */
@Component
public class Problems {

    private static final Logger LOG = LoggerFactory.getLogger(Problems.class);
    private static final Pattern GUID = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    /** What a caller is asked to wait when a system the bridge needs is down and said nothing itself. */
    static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(5);

    private final ObjectMapper json;

    public Problems(ObjectMapper json) {
        this.json = json;
    }

    /** The subscription id of the path, which must be a GUID. */
    public String requireSubscriptionId(@Header("id") String id) {
        if (!isGuid(id)) {
            throw new ProblemException(400, "The subscription id must be a GUID.");
        }
        return id.toLowerCase();
    }

    /** Whether the value is a GUID, as Microsoft's subscription ids are. */
    public static boolean isGuid(String value) {
        return value != null && GUID.matcher(value).matches();
    }

    /** Writes a problem answer straight to a servlet response (filters that answer before any route). */
    public static void send(HttpServletResponse response, ObjectMapper json, int status, String detail) throws IOException {
        response.setStatus(status);
        response.setContentType("application/problem+json");
        response.getOutputStream().write(problem(json, status, detail).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The answer to a failed request: a {@link ProblemException} as it says; a Fulfillment API failure as 404
     * (Microsoft does not know the subscription), 503 with {@code Retry-After} (transient) or 502 (refused); anything
     * else 503, logged once as an ERROR.
     */
    public HttpAnswer forFailure(@ExchangeProperty(Exchange.EXCEPTION_CAUGHT) Exception failure,
            @ExchangeProperty(Exchange.FAILURE_ROUTE_ID) String routeId) {
        if (failure instanceof ProblemException problem) {
            return answer(problem.getStatus(), problem.getMessage(), null);
        }
        Failure call = Failure.in(failure);
        if (call != null) {
            LOG.warn("{} failed: {}", routeId, call.getMessage());
            if (call.getStatus() == 404 && FulfillmentApi.SYSTEM.equals(call.getSystem())) {
                return answer(404, "Microsoft does not know this subscription.", null);
            }
            if (call.isPermanent()) {
                return answer(502, "The " + call.getSystem() + " call " + call.getCall() + " failed"
                        + (call.getStatus() == 0 ? "." : " with HTTP " + call.getStatus() + "."), null);
            }
            Duration wait = call.getRetryAfter() != null ? call.getRetryAfter() : DEFAULT_RETRY_AFTER;
            return answer(503, "The " + call.getSystem() + " is unavailable now; try again in " + wait.toSeconds()
                    + " seconds.", wait.toSeconds());
        }
        LOG.error("{} failed: {}: {}", routeId, failure.getClass().getName(), failure.getMessage());
        LOG.debug("{} failed", routeId, failure);
        return answer(503, "The bridge could not handle the request now; try again later.", DEFAULT_RETRY_AFTER.toSeconds());
    }

    private HttpAnswer answer(int status, String detail, Long retryAfterSeconds) {
        return new HttpAnswer(status, "application/problem+json", problem(json, status, detail), retryAfterSeconds);
    }

    /** An RFC 9457 problem body with the given status and detail. */
    public static String problem(ObjectMapper json, int status, String detail) {
        return problem(json, status, detail, Map.of());
    }

    /** An RFC 9457 problem body with the given status, detail and extension members (e.g. {@code errors}). */
    public static String problem(ObjectMapper json, int status, String detail, Map<String, Object> extensions) {
        Map<String, Object> body = problemBody(status, detail);
        body.putAll(extensions);
        try {
            return json.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The members of an RFC 9457 problem body with the given status and detail, in the order they are written. */
    public static Map<String, Object> problemBody(int status, String detail) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "about:blank");
        HttpStatus known = HttpStatus.resolve(status);
        body.put("title", known == null ? "HTTP " + status : known.getReasonPhrase());
        body.put("status", status);
        body.put("detail", detail);
        return body;
    }
}
