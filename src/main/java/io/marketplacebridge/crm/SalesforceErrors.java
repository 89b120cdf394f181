package io.marketplacebridge.crm;

import java.util.stream.Collectors;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.component.salesforce.api.SalesforceException;
import org.apache.camel.component.salesforce.api.dto.RestError;
import org.springframework.stereotype.Component;

/**
 * Reads a failed Salesforce call for routes/deliver-crm.camel.yaml: the HTTP status (which decides between dead
 * letter and redelivery there) and Salesforce's own words for the dead letter's reason.
 */
@Component
public class SalesforceErrors {

    private static final int MAX_CHARS = 1000;

    /**
     * The HTTP status Salesforce answered, or 0 when it did not answer (timeout, connection refused). A refused login
     * (wrong client id or secret, an expired key, a wrong My Domain) counts as 401 whatever the login endpoint
     * answered: configuration fixes it, so the event is redelivered, not dead-lettered at once.
     */
    public int status(@ExchangeProperty(Exchange.EXCEPTION_CAUGHT) Throwable failure) {
        if (loginRefused(failure)) {
            return 401;
        }
        SalesforceException salesforce = find(failure);
        return salesforce == null ? 0 : salesforce.getStatusCode();
    }

    private static boolean loginRefused(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            String message = String.valueOf(cause.getMessage());
            if (message.contains("Login error") || message.contains("invalid_client") || message.contains("invalid_grant")) {
                return true;
            }
        }
        return false;
    }

    /** What Salesforce said: {@code errorCode: message [fields]} per error, or the failure's message. */
    public String describe(@ExchangeProperty(Exchange.EXCEPTION_CAUGHT) Throwable failure) {
        SalesforceException salesforce = find(failure);
        String text;
        if (salesforce != null && !salesforce.getErrors().isEmpty()) {
            text = salesforce.getErrors().stream().map(SalesforceErrors::describe).collect(Collectors.joining("; "));
        } else {
            text = failure.getClass().getSimpleName() + ": " + failure.getMessage();
        }
        return text.length() > MAX_CHARS ? text.substring(0, MAX_CHARS) + "…" : text;
    }

    private static String describe(RestError error) {
        String fields = error.getFields() == null || error.getFields().isEmpty() ? "" : " " + error.getFields();
        return error.getErrorCode() + ": " + error.getMessage() + fields;
    }

    private static SalesforceException find(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SalesforceException salesforce && salesforce.getStatusCode() != 0) {
                return salesforce;
            }
        }
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SalesforceException salesforce) {
                return salesforce;
            }
        }
        return null;
    }
}
