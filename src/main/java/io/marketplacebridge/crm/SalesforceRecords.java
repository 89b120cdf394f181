package io.marketplacebridge.crm;

import io.marketplacebridge.crm.SalesforceProperties.Fields;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.camel.Body;
import org.springframework.stereotype.Component;

/**
 * Turns a canonical event into the fields of the subscription record that routes/deliver-crm.camel.yaml upserts by
 * external id. Purchaser and beneficiary are both kept: they differ for CSP (reseller) purchases. A value the event
 * does not carry is left out, never blanked.
 */
@Component
public class SalesforceRecords {

    private static final Pattern DATE_PREFIX = Pattern.compile("^\\d{4}-\\d{2}-\\d{2}");

    private final Fields fields;

    public SalesforceRecords(SalesforceProperties salesforce) {
        this.fields = salesforce.subscription().fields();
    }

    /** The subscription record's fields, by API name; the external id is not among them (it is in the URL). */
    public Map<String, Object> subscription(@Body Map<String, Object> event) {
        Map<String, Object> subscription = map(event.get("subscription"));
        Map<String, Object> term = map(subscription.get("term"));
        Map<String, Object> purchaser = map(subscription.get("purchaser"));
        Map<String, Object> beneficiary = map(subscription.get("beneficiary"));

        Map<String, Object> record = new LinkedHashMap<>();
        put(record, fields.name(), subscription.get("name"));
        put(record, fields.offerId(), subscription.get("offerId"));
        put(record, fields.planId(), subscription.get("planId"));
        put(record, fields.quantity(), subscription.get("quantity"));
        put(record, fields.status(), subscription.get("saasSubscriptionStatus"));
        put(record, fields.autoRenew(), subscription.get("autoRenew"));
        put(record, fields.termStart(), date(term.get("startDate")));
        put(record, fields.termEnd(), date(term.get("endDate")));
        put(record, fields.purchaserEmail(), purchaser.get("emailId"));
        put(record, fields.purchaserTenantId(), purchaser.get("tenantId"));
        put(record, fields.beneficiaryEmail(), beneficiary.get("emailId"));
        put(record, fields.beneficiaryTenantId(), beneficiary.get("tenantId"));
        put(record, fields.lastEventId(), event.get("eventId"));
        put(record, fields.lastEventType(), event.get("type"));
        put(record, fields.lastEventAt(), event.get("occurredAt"));
        return record;
    }

    private static void put(Map<String, Object> record, String field, Object value) {
        if (field != null && !field.isBlank() && value != null && !"".equals(value)) {
            record.put(field, value);
        }
    }

    /** Salesforce Date fields take {@code yyyy-MM-dd}; Microsoft sends that or a full timestamp. */
    private static Object date(Object value) {
        if (value instanceof String text && DATE_PREFIX.matcher(text).find()) {
            return text.substring(0, 10);
        }
        return value;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return value instanceof Map<?, ?> map ? (Map<String, Object>) map : Map.of();
    }
}
