package io.marketplacebridge;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** The logins tests send: the bridge's operator and integration endpoints take HTTP Basic. */
public final class Logins {

    private Logins() {
    }

    /** The {@code Authorization} header value of HTTP Basic for {@code user:password}. */
    public static String basic(String credentials) {
        return "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8));
    }
}
