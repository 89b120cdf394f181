package io.marketplacebridge.landing;

import io.marketplacebridge.failure.Failure;
import io.marketplacebridge.web.HttpAnswer;
import java.util.Map;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Variable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.util.HtmlUtils;

/**
 * The HTML the buyer sees on the landing page: what was bought, by whom and for whom, what its status means, or
 * what to do when the link did not work. Everything shown is escaped; the token is never shown or logged.
 */
@Component
public class LandingPage {

    private static final Logger LOG = LoggerFactory.getLogger(LandingPage.class);
    private static final String HTML = "text/html; charset=UTF-8";
    private static final long RETRY_AFTER_SECONDS = 30;

    /** The purchase, from the canonical {@code Purchased} event. */
    public HttpAnswer render(@Variable("event") Map<String, Object> event) {
        Map<?, ?> subscription = (Map<?, ?>) event.get("subscription");
        Map<?, ?> purchaser = subscription.get("purchaser") instanceof Map<?, ?> p ? p : Map.of();
        Map<?, ?> beneficiary = subscription.get("beneficiary") instanceof Map<?, ?> b ? b : Map.of();
        boolean reseller = !purchaser.isEmpty() && !beneficiary.isEmpty() && purchaser.get("tenantId") != null
                && !purchaser.get("tenantId").equals(beneficiary.get("tenantId"));
        StringBuilder rows = new StringBuilder();
        row(rows, "Subscription", subscription.get("name"));
        row(rows, "Subscription id", subscription.get("id"));
        row(rows, "Offer", subscription.get("offerId"));
        row(rows, "Plan", subscription.get("planId"));
        row(rows, "Quantity", subscription.get("quantity"));
        row(rows, "Status", subscription.get("saasSubscriptionStatus"));
        row(rows, "Purchased by", person(purchaser));
        row(rows, "For", person(beneficiary));
        String note = reseller
                ? "<p class=\"csp\">Bought through a reseller (CSP): the purchaser and the user of the subscription differ.</p>"
                : "";
        String table = note + "<table>" + rows + "</table>";
        String page = switch (String.valueOf(subscription.get("saasSubscriptionStatus"))) {
            case "Subscribed" -> page("Your subscription", "<p>This subscription is active. Manage its users and"
                    + " settings in your account.</p>" + table);
            case "Suspended" -> page("Your subscription is suspended", "<p>Microsoft suspended this subscription,"
                    + " usually because a payment failed. Update your payment method in the Microsoft 365 admin center"
                    + " or the Azure portal; your data is kept and the subscription comes back once it is paid.</p>"
                    + table);
            case "Unsubscribed" -> page("This subscription has ended", "<p>It was cancelled and cannot be reactivated;"
                    + " buy a new one in the marketplace.</p>" + table);
            default -> page("Thank you for your purchase", "<p>We are setting up your account. The subscription becomes"
                    + " active as soon as it is ready; you do not need to keep this page open.</p>" + table);
        };
        return new HttpAnswer(200, HTML, page, null);
    }

    /**
     * The page for a failure: a link without a usable token (400), a token Microsoft refused (400), a subscription it
     * does not know (404), or the marketplace unreachable now (503, reload later).
     */
    public HttpAnswer forFailure(@ExchangeProperty(Exchange.EXCEPTION_CAUGHT) Exception failure) {
        if (failure instanceof InvalidLandingTokenException invalid) {
            return new HttpAnswer(400, HTML, page("This link does not work", "<p>" + HtmlUtils.htmlEscape(invalid.getMessage())
                    + " Open the subscription again from the Azure portal or the Microsoft 365 admin center and choose"
                    + " <em>Configure account</em>.</p>"), null);
        }
        Failure call = Failure.in(failure);
        if (call != null) {
            LOG.warn("Landing failed: {}", call.getMessage());
            if (call.getStatus() == 400) {
                return new HttpAnswer(400, HTML, expired(), null);
            }
            if (call.getStatus() == 404) {
                return new HttpAnswer(404, HTML, page("Subscription not found", "<p>Microsoft does not know the"
                        + " subscription this link is for. Open it again from the Azure portal or the Microsoft 365"
                        + " admin center.</p>"), null);
            }
            return new HttpAnswer(call.isPermanent() ? 502 : 503, HTML, unavailable(), RETRY_AFTER_SECONDS);
        }
        LOG.error("Landing failed: {}: {}", failure.getClass().getName(), failure.getMessage());
        LOG.debug("Landing failed", failure);
        return new HttpAnswer(503, HTML, unavailable(), RETRY_AFTER_SECONDS);
    }

    private static String unavailable() {
        return page("Please try again in a moment", "<p>We could not reach the marketplace to confirm your purchase."
                + " Reload this page in a minute.</p>");
    }

    private static String expired() {
        return page("This link has expired", "<p>The purchase link is invalid or has expired. Open the subscription"
                + " again from the Azure portal or the Microsoft 365 admin center and choose <em>Configure account</em>"
                + " (or <em>Manage account</em>).</p>");
    }

    /** "email (tenant t)", the parts Microsoft sent, or null when it sent neither. */
    private static String person(Map<?, ?> who) {
        Object email = who.get("emailId");
        Object tenant = who.get("tenantId");
        boolean hasEmail = email != null && !String.valueOf(email).isBlank();
        boolean hasTenant = tenant != null && !String.valueOf(tenant).isBlank();
        if (!hasEmail && !hasTenant) {
            return null;
        }
        return hasEmail && hasTenant ? email + " (tenant " + tenant + ")" : hasEmail ? String.valueOf(email) : "tenant " + tenant;
    }

    private static void row(StringBuilder rows, String label, Object value) {
        if (value != null && !"null".equals(String.valueOf(value))) {
            rows.append("<tr><th>").append(label).append("</th><td>")
                    .append(HtmlUtils.htmlEscape(String.valueOf(value))).append("</td></tr>");
        }
    }

    private static String page(String title, String content) {
        return "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>" + title + "</title>"
                + "<style>body{font-family:system-ui,sans-serif;max-width:44rem;margin:3rem auto;padding:0 1rem}"
                + "th{text-align:left;padding-right:1rem}td,th{padding:.25rem 0}.csp{color:#555}</style></head>"
                + "<body><h1>" + title + "</h1>" + content + "</body></html>";
    }
}
