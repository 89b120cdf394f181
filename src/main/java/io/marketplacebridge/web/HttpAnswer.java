package io.marketplacebridge.web;

/**
 * An answer a bean prepared for an HTTP endpoint (routes/http-answers.camel.yaml sends it): the status, the content
 * type, the body and, for a 503, how many seconds the caller should wait ({@code Retry-After}).
 */
public final class HttpAnswer {

    private final int status;
    private final String contentType;
    private final String body;
    private final Long retryAfterSeconds;

    public HttpAnswer(int status, String contentType, String body, Long retryAfterSeconds) {
        this.status = status;
        this.contentType = contentType;
        this.body = body;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** The HTTP status. */
    public int getStatus() {
        return status;
    }

    /** The {@code Content-Type} of the body. */
    public String getContentType() {
        return contentType;
    }

    /** The body. */
    public String getBody() {
        return body;
    }

    /** Seconds for {@code Retry-After}, or null to send none. */
    public Long getRetryAfterSeconds() {
        return retryAfterSeconds;
    }
}
