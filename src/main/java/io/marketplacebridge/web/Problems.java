package io.marketplacebridge.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.marketplacebridge.marketplace.MarketplaceApiException;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.springframework.stereotype.Component;

/**
 * JSON problem bodies (RFC 9457) for the bridge's HTTP endpoints, and the checks of path parameters that
 * become parts of Fulfillment API URLs.
 */
@Component
public class Problems {

    private static final Pattern GUID = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final ObjectMapper JSON = new ObjectMapper();

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

    /** The problem body of a {@link ProblemException}. */
    public String fromException(@ExchangeProperty("CamelExceptionCaught") ProblemException problem) {
        return problem(problem.getStatus(), problem.getMessage());
    }

    /** What the bridge answers when the Fulfillment API failed: 404 stays 404, the rest is 502. */
    public int statusForMarketplaceFailure(@ExchangeProperty("CamelExceptionCaught") MarketplaceApiException failure) {
        return failure.getStatus() == 404 ? 404 : 502;
    }

    /** The problem body of a failed Fulfillment API call. */
    public String fromMarketplaceFailure(@ExchangeProperty("CamelExceptionCaught") MarketplaceApiException failure) {
        if (failure.getStatus() == 404) {
            return problem(404, "Microsoft does not know this subscription.");
        }
        return problem(502, "The Fulfillment API call " + failure.getCall() + " failed"
                + (failure.getStatus() == 0 ? " without an answer." : " with HTTP " + failure.getStatus() + "."));
    }

    /** The problem body of an unexpected failure; the details are in the log. */
    public String unavailable() {
        return problem(503, "The bridge could not handle the request now; try again later.");
    }

    /** An RFC 9457 problem body with the given status and detail. */
    public static String problem(int status, String detail) {
        return problem(JSON, status, detail);
    }

    /** Answers a servlet request with an RFC 9457 problem: for the filters that refuse a request before any route. */
    public static void send(HttpServletResponse response, ObjectMapper json, int status, String detail) throws IOException {
        response.setStatus(status);
        response.setContentType("application/problem+json");
        response.getOutputStream().write(problem(json, status, detail).getBytes(StandardCharsets.UTF_8));
    }

    /** An RFC 9457 problem body with the given status and detail, written by the given mapper. */
    public static String problem(ObjectMapper json, int status, String detail) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "about:blank");
        body.put("title", org.springframework.http.HttpStatus.valueOf(status).getReasonPhrase());
        body.put("status", status);
        body.put("detail", detail);
        try {
            return json.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
