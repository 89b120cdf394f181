package io.marketplacebridge.web;

import jakarta.servlet.Filter;
import org.springframework.security.web.firewall.StrictHttpFirewall;

/**
 * Spring Security's firewall ({@link StrictHttpFirewall}) checks a request's parameter names only when something
 * reads them. The routes read them on Camel's own thread, outside the security chain, where a refused name (a control
 * character, an unassigned code point) ended in a {@code 500}. Read in the chain, the refusal is the firewall's
 * {@code 400} problem (SecurityConfiguration's {@code RequestRejectedHandler}). Bodies are not parsed for it: the API
 * refuses form bodies first (FormBodyRefusal), and the landing page is a {@code GET}.
 */
public final class RequestParameterCheck {

    private RequestParameterCheck() {
    }

    /** A filter for a security chain that reads the parameters, so the firewall checks them there. */
    public static Filter filter() {
        return (request, response, chain) -> {
            request.getParameterMap();
            chain.doFilter(request, response);
        };
    }
}
