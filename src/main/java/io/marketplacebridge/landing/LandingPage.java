package io.marketplacebridge.landing;

import io.marketplacebridge.marketplace.MarketplaceApiException;
import java.util.Map;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Variable;
import org.springframework.stereotype.Component;
import org.springframework.web.util.HtmlUtils;

/**
 * The HTML the buyer sees on the landing page: what was bought, by whom and for whom, or what to do when the
 * link did not work. Everything shown is escaped; the token is never shown.
 */
@Component
public class LandingPage {

    /** The purchase, from the canonical {@code Purchased} event. */
    public String render(@Variable("event") Map<String, Object> event) {
        Map<?, ?> subscription = (Map<?, ?>) event.get("subscription");
        Map<?, ?> purchaser = subscription.get("purchaser") instanceof Map<?, ?> p ? p : Map.of();
        Map<?, ?> beneficiary = subscription.get("beneficiary") instanceof Map<?, ?> b ? b : Map.of();
        boolean reseller = !purchaser.isEmpty() && !beneficiary.isEmpty()
                && !String.valueOf(purchaser.get("tenantId")).equals(String.valueOf(beneficiary.get("tenantId")));
        StringBuilder rows = new StringBuilder();
        row(rows, "Subscription", subscription.get("name"));
        row(rows, "Subscription id", subscription.get("id"));
        row(rows, "Offer", subscription.get("offerId"));
        row(rows, "Plan", subscription.get("planId"));
        row(rows, "Quantity", subscription.get("quantity"));
        row(rows, "Status", subscription.get("saasSubscriptionStatus"));
        row(rows, "Purchased by", purchaser.get("emailId") + " (tenant " + purchaser.get("tenantId") + ")");
        row(rows, "For", beneficiary.get("emailId") + " (tenant " + beneficiary.get("tenantId") + ")");
        String note = reseller
                ? "<p class=\"csp\">Bought through a reseller (CSP): the purchaser and the user of the subscription differ.</p>"
                : "";
        String table = note + "<table>" + rows + "</table>";
        return switch (String.valueOf(subscription.get("saasSubscriptionStatus"))) {
            case "Subscribed", "Suspended" -> page("Your subscription", "<p>This subscription is set up. Manage its users"
                    + " and settings in your account.</p>" + table);
            case "Unsubscribed" -> page("This subscription has ended", "<p>It was cancelled and cannot be reactivated;"
                    + " buy a new one in the marketplace.</p>" + table);
            default -> page("Thank you for your purchase", "<p>We are setting up your account. The subscription becomes"
                    + " active as soon as it is ready; you do not need to keep this page open.</p>" + table);
        };
    }

    /** The status for a Fulfillment API failure: Microsoft's 400 (bad or expired token) and 404 pass through. */
    public int statusFor(@ExchangeProperty("CamelExceptionCaught") MarketplaceApiException failure) {
        return failure.getStatus() == 400 || failure.getStatus() == 404 ? failure.getStatus() : 502;
    }

    /** The page for a token Microsoft refused, or a subscription it does not know, or an API failure. */
    public String failure(@ExchangeProperty("CamelExceptionCaught") MarketplaceApiException failure) {
        return switch (failure.getStatus()) {
            case 400 -> expired();
            case 404 -> page("Subscription not found", "<p>Microsoft does not know the subscription this link is for."
                    + " Open it again from the Azure portal or the Microsoft 365 admin center.</p>");
            default -> unavailable();
        };
    }

    /** The page for a link without a usable token. */
    public String invalidToken(@ExchangeProperty("CamelExceptionCaught") InvalidLandingTokenException invalid) {
        return page("This link does not work", "<p>" + HtmlUtils.htmlEscape(invalid.getMessage())
                + " Open the subscription again from the Azure portal or the Microsoft 365 admin center and choose"
                + " <em>Configure account</em>.</p>");
    }

    /** The page when the bridge cannot finish now. */
    public String unavailable() {
        return page("Please try again in a moment", "<p>We could not reach the marketplace to confirm your purchase."
                + " Reload this page in a minute.</p>");
    }

    private static String expired() {
        return page("This link has expired", "<p>The purchase link is invalid or has expired. Open the subscription"
                + " again from the Azure portal or the Microsoft 365 admin center and choose <em>Configure account</em>"
                + " (or <em>Manage account</em>).</p>");
    }

    private static void row(StringBuilder rows, String label, Object value) {
        if (value != null && !"null".equals(String.valueOf(value))) {
            rows.append("<tr><th>").append(label).append("</th><td>")
                    .append(HtmlUtils.htmlEscape(String.valueOf(value))).append("</td></tr>");
        }
    }

    private static String page(String title, String content) {
        return "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + title + "</title>"
                + "<style>body{font-family:system-ui,sans-serif;max-width:44rem;margin:3rem auto;padding:0 1rem}"
                + "th{text-align:left;padding-right:1rem}td,th{padding:.25rem 0}.csp{color:#555}</style></head>"
                + "<body><h1>" + title + "</h1>" + content + "</body></html>";
    }
}
