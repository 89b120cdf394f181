package io.marketplacebridge.marketplace;

/**
 * The Fulfillment API refused a call with a 4xx (after any token refresh and Retry-After waits): the same call
 * cannot succeed later, so a queue consumer dead-letters its message at once instead of redelivering it.
 */
public class MarketplaceRefusalException extends MarketplaceApiException {

    public MarketplaceRefusalException(int status, String call, String message) {
        super(status, call, message);
    }
}
