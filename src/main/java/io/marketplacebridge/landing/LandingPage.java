package io.marketplacebridge.landing;

import io.marketplacebridge.failure.Failure;
import io.marketplacebridge.web.HttpAnswer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Variable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.thymeleaf.TemplateEngine;
import org.thymeleaf.context.Context;
import org.thymeleaf.templatemode.TemplateMode;
import org.thymeleaf.templateresolver.ClassLoaderTemplateResolver;

/**
 * The HTML the buyer sees on the landing page, rendered from {@code templates/landing.html}: what was bought, by whom
 * and for whom, who is signed in, what its status means, or what to do when the link or the sign-in did not work.
 * The template escapes everything it shows; the token is never in its model, shown or logged.
 * <p>
 * The engine is the page's own (Thymeleaf without Spring MVC's view resolution): the page is an answer of a Camel
 * route, of the sign-in chain and of Tomcat's error report, never an MVC view.
 */
@Component
public class LandingPage {

    private static final Logger LOG = LoggerFactory.getLogger(LandingPage.class);
    private static final String HTML = "text/html; charset=UTF-8";
    private static final long RETRY_AFTER_SECONDS = 30;

    private final LandingProperties landing;
    private final TemplateEngine templates;

    public LandingPage(LandingProperties landing) {
        this.landing = landing;
        ClassLoaderTemplateResolver resolver = new ClassLoaderTemplateResolver(LandingPage.class.getClassLoader());
        resolver.setPrefix("templates/");
        resolver.setSuffix(".html");
        resolver.setTemplateMode(TemplateMode.HTML);
        resolver.setCharacterEncoding("UTF-8");
        this.templates = new TemplateEngine();
        this.templates.setTemplateResolver(resolver);
    }

    /** The purchase, from the canonical {@code Purchased} event (and the user signed in, when it carries one). */
    public HttpAnswer render(@Variable("event") Map<String, Object> event) {
        Map<?, ?> subscription = (Map<?, ?>) event.get("subscription");
        Map<?, ?> purchaser = subscription.get("purchaser") instanceof Map<?, ?> p ? p : Map.of();
        Map<?, ?> beneficiary = subscription.get("beneficiary") instanceof Map<?, ?> b ? b : Map.of();
        boolean reseller = !purchaser.isEmpty() && !beneficiary.isEmpty() && purchaser.get("tenantId") != null
                && !purchaser.get("tenantId").equals(beneficiary.get("tenantId"));
        List<Map<String, String>> rows = new ArrayList<>();
        row(rows, "Subscription", subscription.get("name"));
        row(rows, "Subscription id", subscription.get("id"));
        row(rows, "Offer", subscription.get("offerId"));
        row(rows, "Plan", subscription.get("planId"));
        row(rows, "Quantity", subscription.get("quantity"));
        row(rows, "Purchased by", person(purchaser));
        row(rows, "For", person(beneficiary));
        Page page = switch (String.valueOf(subscription.get("saasSubscriptionStatus"))) {
            case "Subscribed" -> page("Your subscription", "This subscription is active. Manage its users and settings in"
                    + " your account.").status("active", "active");
            case "Suspended" -> page("Your subscription is suspended", "Microsoft suspended this subscription, usually"
                    + " because a payment failed. Update your payment method in the Microsoft 365 admin center or the"
                    + " Azure portal; your data is kept and the subscription comes back once it is paid.")
                    .status("suspended: update your payment method in the Microsoft 365 admin center", "suspended");
            case "Unsubscribed" -> page("This subscription has ended", "It was cancelled and cannot be reactivated; buy a"
                    + " new one in the marketplace.").status("cancelled", "cancelled");
            default -> page("Thank you for your purchase", "We are setting up your account. The subscription becomes"
                    + " active as soon as it is ready; you do not need to keep this page open.")
                    .status("being set up", "pending");
        };
        return answer(200, page.with("purchase", true).with("rows", rows).with("reseller", reseller)
                .with("signedIn", event.get("signedInUser")), null);
    }

    /**
     * The page for a failure: a link without a usable token (400), a token Microsoft refused (400), a subscription it
     * does not know (404), or the marketplace unreachable now (503, reload later).
     */
    public HttpAnswer forFailure(@ExchangeProperty(Exchange.EXCEPTION_CAUGHT) Exception failure) {
        if (failure instanceof InvalidLandingTokenException invalid) {
            return answer(400, page("This link does not work", invalid.getMessage()).reopen(), null);
        }
        Failure call = Failure.in(failure);
        if (call != null) {
            LOG.warn("Landing failed: {}", call.getMessage());
            if (call.getStatus() == 400) {
                return answer(400, page("This link has expired", "The purchase link is invalid or has expired.")
                        .reopen(), null);
            }
            if (call.getStatus() == 404) {
                return answer(404, page("Subscription not found", "Microsoft does not know the subscription this link"
                        + " is for.").reopen(), null);
            }
            return unavailable(call.isPermanent() ? 502 : 503);
        }
        LOG.error("Landing failed: {}: {}", failure.getClass().getName(), failure.getMessage());
        LOG.debug("Landing failed", failure);
        return unavailable(503);
    }

    /** A request Tomcat refused before it reached the bridge: a link far too long, or with characters a URL may not hold. */
    public HttpAnswer forMalformedRequest() {
        return answer(400, page("This link does not work", "The address is too long or malformed, so the page cannot"
                + " read the purchase from it.").reopen(), null);
    }

    /** Entra ID refused the sign-in, the buyer cancelled it, or its ID token failed a check (401). */
    public HttpAnswer forSignInFailure() {
        return answer(401, page("You are not signed in", "Signing in with your Microsoft account did not complete, so"
                + " the purchase cannot be shown yet.").reopen(), null);
    }

    /** Entra ID cannot be reached to start the sign-in (503, reload later). */
    public HttpAnswer forSignInUnavailable() {
        return answer(503, page("Please try again in a moment", "Signing in with Microsoft is not available right now."
                + " Reload this page in a minute."), RETRY_AFTER_SECONDS);
    }

    private HttpAnswer unavailable(int status) {
        return answer(status, page("Please try again in a moment", "We could not reach the marketplace to confirm your"
                + " purchase. Reload this page in a minute."), RETRY_AFTER_SECONDS);
    }

    private HttpAnswer answer(int status, Page page, Long retryAfterSeconds) {
        return new HttpAnswer(status, HTML, templates.process("landing", page.context), retryAfterSeconds);
    }

    private Page page(String title, String message) {
        return new Page(new Context())
                .with("publisherName", blankToNull(landing.publisherName()))
                .with("logoUrl", landing.logoUrl() == null ? null : blankToNull(landing.logoUrl().toString()))
                .with("productUrl", landing.productUrl() == null ? null : blankToNull(landing.productUrl().toString()))
                .with("title", title)
                .with("message", message)
                .with("reopen", false)
                .with("purchase", false)
                .with("reseller", false);
    }

    /** A template model being filled in. */
    private record Page(Context context) {

        Page with(String name, Object value) {
            context.setVariable(name, value);
            return this;
        }

        /** The status in the buyer's words, and its kind (the badge's colour). */
        Page status(String words, String kind) {
            return with("status", words).with("statusKind", kind);
        }

        /** Tells the buyer how to get a fresh link from Microsoft (docs/marketplace-contract.md §8.2). */
        Page reopen() {
            return with("reopen", true);
        }
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

    private static void row(List<Map<String, String>> rows, String label, Object value) {
        if (value != null && !"null".equals(String.valueOf(value))) {
            Map<String, String> row = new LinkedHashMap<>();
            row.put("label", label);
            row.put("value", String.valueOf(value));
            rows.add(row);
        }
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
