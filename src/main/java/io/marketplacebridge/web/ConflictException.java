package io.marketplacebridge.web;

/** The request is valid but the subscription's state does not allow it: 409. */
public class ConflictException extends ProblemException {

    public ConflictException(String message) {
        super(409, message);
    }
}
