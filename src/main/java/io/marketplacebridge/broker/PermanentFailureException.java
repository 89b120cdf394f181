package io.marketplacebridge.broker;

/**
 * A failure that another attempt cannot fix (a 4xx refusal, a validation error): the message goes to its
 * dead-letter queue at once, with this exception's message as the reason.
 */
public class PermanentFailureException extends RuntimeException {

    public PermanentFailureException(String message) {
        super(message);
    }
}
