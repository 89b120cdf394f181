package io.marketplacebridge.sandbox;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * Error bodies of the sandbox: the simulated Fulfillment API answers as Microsoft does ({@code {code, message}}),
 * the sandbox's own API with a JSON problem (RFC 9457).
 */
final class SandboxErrors {

    private SandboxErrors() {
    }

    @RestControllerAdvice(assignableTypes = MarketplaceSimulatorController.class)
    static class FulfillmentApiErrors {

        @ExceptionHandler(SimulatorException.class)
        ResponseEntity<Map<String, Object>> refused(SimulatorException refusal) {
            return body(refusal.getStatus(), refusal.getCode(), refusal.getMessage());
        }

        @ExceptionHandler(HttpMessageNotReadableException.class)
        ResponseEntity<Map<String, Object>> unreadable(HttpMessageNotReadableException unreadable) {
            return body(400, "BadArgument", "The request body is not valid JSON.");
        }

        private static ResponseEntity<Map<String, Object>> body(int status, String code, String message) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("code", code);
            body.put("message", message);
            return ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON).body(body);
        }
    }

    @RestControllerAdvice(assignableTypes = {SandboxController.class, RecorderController.class, SandboxWebhooks.class,
            LoadController.class})
    static class SandboxApiErrors {

        @ExceptionHandler(SimulatorException.class)
        ResponseEntity<ProblemDetail> refused(SimulatorException refusal) {
            return problem(refusal.getStatus(), refusal.getMessage());
        }

        @ExceptionHandler(HttpMessageNotReadableException.class)
        ResponseEntity<ProblemDetail> unreadable(HttpMessageNotReadableException unreadable) {
            return problem(400, "The request body is not valid JSON of the expected shape.");
        }

        private static ResponseEntity<ProblemDetail> problem(int status, String detail) {
            return ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON)
                    .body(ProblemDetail.forStatusAndDetail(HttpStatus.valueOf(status), detail));
        }
    }
}
