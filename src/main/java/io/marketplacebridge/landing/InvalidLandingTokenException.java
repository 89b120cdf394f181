package io.marketplacebridge.landing;

/** The landing URL carries no usable purchase token; the message is safe to show to the buyer. */
public class InvalidLandingTokenException extends RuntimeException {

    public InvalidLandingTokenException(String message) {
        super(message);
    }
}
