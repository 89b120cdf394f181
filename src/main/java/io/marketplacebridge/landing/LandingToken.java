package io.marketplacebridge.landing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.apache.camel.Header;
import org.springframework.stereotype.Component;

/**
 * Takes the marketplace purchase token out of the landing URL's raw query. The token arrives URL-encoded and
 * is opaque: {@code %2B} becomes {@code +}, and a literal {@code +} stays {@code +} (form decoding would turn it
 * into a space and break the token).
 */
@Component
public class LandingToken {

    static final int MAX_LENGTH = 8192;

    /**
     * The decoded token.
     *
     * @throws InvalidLandingTokenException when the query has no token or it is not a plausible token
     */
    public String fromQuery(@Header("CamelHttpQuery") String rawQuery) {
        String encoded = null;
        if (rawQuery != null) {
            for (String pair : rawQuery.split("&")) {
                if (pair.startsWith("token=")) {
                    encoded = pair.substring("token=".length());
                    break;
                }
            }
        }
        if (encoded == null || encoded.isEmpty()) {
            throw new InvalidLandingTokenException("The landing page was opened without a purchase token.");
        }
        String token = percentDecode(encoded);
        if (token.length() > MAX_LENGTH || !token.chars().allMatch(LandingToken::allowed)) {
            throw new InvalidLandingTokenException("The purchase token in the link is malformed.");
        }
        return token;
    }

    private static boolean allowed(int c) {
        return c > 0x20 && c < 0x7f && c != '<' && c != '>' && c != '"' && c != '\'' && c != '\\';
    }

    private static String percentDecode(String value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '%' && i + 2 < value.length()) {
                int hi = Character.digit(value.charAt(i + 1), 16);
                int lo = Character.digit(value.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw new InvalidLandingTokenException("The purchase token in the link is malformed.");
                }
                out.write(hi * 16 + lo);
                i += 2;
            } else if (c == '%') {
                throw new InvalidLandingTokenException("The purchase token in the link is malformed.");
            } else {
                out.write(c);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
