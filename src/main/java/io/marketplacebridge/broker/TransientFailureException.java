package io.marketplacebridge.broker;

/** A failure that may pass (5xx, 408, 429): the broker redelivers the message with back-off. */
public class TransientFailureException extends RuntimeException {

    public TransientFailureException(String message) {
        super(message);
    }
}
