package io.marketplacebridge.failure;

/**
 * A {@link Failure} a flow raises itself ({@code throwException}) when another attempt cannot help: a notification
 * that contradicts Microsoft, a refusal read from a system's answer. Dead-lettered at once with this message.
 */
public class PermanentFailure extends Failure {

    public PermanentFailure(String message) {
        super(Kind.PERMANENT, "bridge", "flow", 0, null, message);
    }
}
