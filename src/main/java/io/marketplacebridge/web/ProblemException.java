package io.marketplacebridge.web;

/** A request the bridge refuses, with the HTTP status and a message that is safe to show to the caller. */
public class ProblemException extends RuntimeException {

    private final int status;

    public ProblemException(int status, String message) {
        super(message);
        this.status = status;
    }

    /** The HTTP status of the answer. */
    public int getStatus() {
        return status;
    }
}
