package io.marketplacebridge.failure;

/**
 * A {@link Failure} a flow raises itself ({@code throwException}) when another attempt may succeed, such as an
 * outage read from a system's answer: redelivered through the broker, dead-lettered after the last attempt.
 */
public class TransientFailure extends Failure {

    public TransientFailure(String message) {
        super(Kind.TRANSIENT, "bridge", "flow", 0, null, message);
    }
}
