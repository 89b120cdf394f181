package io.marketplacebridge.sandbox;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.MediaType;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * What Microsoft checks and adds before any Fulfillment API call of the sandbox marketplace: the request and
 * correlation ids come back (generated when absent), a missing or wrong bearer token is {@code 401}, a missing or
 * other {@code api-version} is {@code 400}. The expected token is {@code bridge.simulator.api-token}.
 */
class MarketplaceSimulatorGate implements HandlerInterceptor {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final byte[] expectedAuthorization;

    MarketplaceSimulatorGate(String token) {
        this.expectedAuthorization = token == null || token.isBlank() ? null
                : ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) throws IOException {
        response.setHeader("x-ms-requestid", orNew(request.getHeader("x-ms-requestid")));
        response.setHeader("x-ms-correlationid", orNew(request.getHeader("x-ms-correlationid")));
        String authorization = request.getHeader("Authorization");
        if (expectedAuthorization == null || authorization == null
                || !MessageDigest.isEqual(expectedAuthorization, authorization.getBytes(StandardCharsets.UTF_8))) {
            return refuse(response, 401, "Unauthorized", "A valid bearer token is required in the Authorization header.");
        }
        if (!MarketplaceSimulatorController.API_VERSION.equals(request.getParameter("api-version"))) {
            return refuse(response, 400, "BadArgument", "The api-version query parameter is missing or unsupported: use "
                    + MarketplaceSimulatorController.API_VERSION + ".");
        }
        return true;
    }

    private static boolean refuse(HttpServletResponse response, int status, String code, String message)
            throws IOException {
        response.setStatus(status);
        response.setContentType(MediaType.APPLICATION_JSON_VALUE);
        Map<String, String> body = new LinkedHashMap<>();
        body.put("code", code);
        body.put("message", message);
        JSON.writeValue(response.getOutputStream(), body);
        return false;
    }

    private static String orNew(String id) {
        return id == null || id.isBlank() ? UUID.randomUUID().toString() : id;
    }
}
