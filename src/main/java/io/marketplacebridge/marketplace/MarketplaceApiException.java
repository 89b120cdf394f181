package io.marketplacebridge.marketplace;

/**
 * A Fulfillment API call that did not succeed: its HTTP status ({@code 0} when no answer came) and what the
 * API said. The message never holds a token.
 */
public class MarketplaceApiException extends RuntimeException {

    private final int status;
    private final String call;

    public MarketplaceApiException(int status, String call, String message) {
        super("Fulfillment API " + call + " failed with " + (status == 0 ? "no response" : "HTTP " + status) + ": " + message);
        this.status = status;
        this.call = call;
    }

    /** The HTTP status, or 0 when the API did not answer. */
    public int getStatus() {
        return status;
    }

    /** The call's name, e.g. {@code resolve}. */
    public String getCall() {
        return call;
    }
}
