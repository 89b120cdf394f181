package io.marketplacebridge.failure;

import java.time.Duration;

/**
 * The bridge's one failure type: what failed (the system and the call), and whether another attempt may succeed.
 * {@link Kind#TRANSIENT} failures are redelivered through the broker (a queue consumer) or answered 503 with
 * {@code Retry-After} (an HTTP caller); {@link Kind#PERMANENT} ones are dead-lettered at once with this message as
 * the reason, or answered with a 4xx. The message never holds a token or a secret. docs/architecture.md ("Failures
 * and retries") explains the vocabulary.
 */
public class Failure extends RuntimeException {

    /** Whether repeating the same request later can succeed. */
    public enum Kind {
        /** Throttling, time-outs, connection resets, 5xx, a login that configuration can fix: try again later. */
        TRANSIENT,
        /** The request itself is wrong (a 4xx that says so, a contradiction): repeating it cannot help. */
        PERMANENT
    }

    private final Kind kind;
    private final String system;
    private final String call;
    private final int status;
    private final Duration retryAfter;

    public Failure(Kind kind, String system, String call, int status, Duration retryAfter, String message) {
        super(message);
        this.kind = kind;
        this.system = system;
        this.call = call;
        this.status = status;
        this.retryAfter = retryAfter;
    }

    /** A failure that another attempt cannot fix. */
    public static Failure permanent(String system, String call, String message) {
        return new Failure(Kind.PERMANENT, system, call, 0, null, message);
    }

    /** A failure that may pass. */
    public static Failure transientFailure(String system, String call, String message) {
        return new Failure(Kind.TRANSIENT, system, call, 0, null, message);
    }

    /**
     * The failure an HTTP answer means: 408, 429, 5xx and a refused login (401, 403: fixed by configuration or a
     * fresh token) are transient; any other 4xx says the request is wrong and is permanent.
     *
     * @param status the HTTP status, or 0 when no answer came (refused, reset, timed out): transient
     */
    public static Failure ofHttpStatus(String system, String call, int status, Duration retryAfter, String detail) {
        String what = system + " " + call + (status == 0 ? " got no answer" : " answered HTTP " + status);
        String message = detail == null || detail.isBlank() ? what : what + ": " + detail;
        return new Failure(isTransient(status) ? Kind.TRANSIENT : Kind.PERMANENT, system, call, status, retryAfter, message);
    }

    /** Whether an HTTP status (0: no answer) is worth another attempt later. */
    public static boolean isTransient(int status) {
        return status == 0 || status == 401 || status == 403 || status == 408 || status == 429 || status >= 500;
    }

    /** The Failure among a throwable and its causes (Camel may wrap what a bean threw), or null. */
    public static Failure in(Throwable thrown) {
        for (Throwable t = thrown; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof Failure failure) {
                return failure;
            }
        }
        return null;
    }

    /** TRANSIENT or PERMANENT. */
    public Kind getKind() {
        return kind;
    }

    /** True when another attempt cannot help: the message is dead-lettered at once. */
    public boolean isPermanent() {
        return kind == Kind.PERMANENT;
    }

    /** The system that failed, e.g. {@code Fulfillment API}, {@code billing}. */
    public String getSystem() {
        return system;
    }

    /** The call that failed, e.g. {@code get-operation}. */
    public String getCall() {
        return call;
    }

    /** The HTTP status of the answer, 0 when none came or the failure is not an HTTP answer. */
    public int getStatus() {
        return status;
    }

    /** How long the system asked us to wait ({@code Retry-After}), or null. */
    public Duration getRetryAfter() {
        return retryAfter;
    }
}
