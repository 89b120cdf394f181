package io.marketplacebridge.reliability;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * The fuzz test's building blocks (jqwik arbitraries): hostile strings, JSON values of any shape, malformed, deeply
 * nested and huge bodies, header values, and the encodings that put them in a path or a query.
 */
final class Inputs {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Strings that have broken parsers, selectors, SQL, templates and logs elsewhere. */
    static final List<String> HOSTILE = List.of(
            "' OR '1'='1", "1' OR 1=1 --", "'; DROP TABLE subscription; --", "\" OR \"\"=\"", "1; SELECT pg_sleep(5)",
            "x' UNION SELECT password FROM users --", "%", "_", "%' OR '%'='",
            "bridgeSubscriptionId IS NOT NULL", "JMSMessageID LIKE '%'", "ID:x' OR JMSMessageID LIKE '%",
            "' OR JMSXGroupID IS NOT NULL OR 'a'='", "1=1", "TRUE", "NULL", "null", "undefined", "NaN", "-0", "1e999999",
            "${header.Authorization}", "${exchangeProperty.CamelFailureEndpoint}", "${sys:user.home}", "{{bridge.admin.password}}",
            "#{7*7}", "${7*7}", "${jndi:ldap://127.0.0.1/x}", "<script>alert(1)</script>", "<!--", "]]>", "&amp;",
            "../../../../etc/passwd", "..\\..\\windows\\win.ini", "/", "\\", "//", "?", "#", "&", "=", ";", "|", "`id`", "$(id)",
            "\u0000", "\u0000' OR '1'='1", "\r\nX-Injected: 1", "\n", "\t", "\uFEFF", "\u202Eevil", "\uD83D\uDE00", "\uD800",
            "é", "ﬀ", "İ", "\u0130\u0131", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "٣", "０", "", " ", "                ",
            "00000000-0000-0000-0000-000000000000", "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF", "{00000000-0000-0000-0000-000000000000}",
            "00000000-0000-0000-0000-00000000000g", "2147483648", "-2147483649", "9223372036854775808", "0x10", "1_000");

    private Inputs() {
    }

    /** Any text: hostile strings, any Unicode, ASCII, numbers, and now and then a long one. */
    static Arbitrary<String> text() {
        return Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.of(HOSTILE)),
                Tuple.of(3, Arbitraries.strings().all().ofMaxLength(40)),
                Tuple.of(2, Arbitraries.strings().ascii().ofMaxLength(40)),
                Tuple.of(1, Arbitraries.bigDecimals().map(Object::toString)),
                Tuple.of(1, Arbitraries.integers().between(256, 20_000).map(n -> "é\"".repeat(n / 2))));
    }

    /** A JSON value of any type and shape, as Java objects (maps, lists, strings, numbers, booleans, null). */
    static Arbitrary<Object> jsonValue() {
        Arbitrary<Object> leaf = Arbitraries.oneOf(
                text().map(Object.class::cast),
                Arbitraries.integers().map(Object.class::cast),
                Arbitraries.longs().map(Object.class::cast),
                Arbitraries.doubles().map(Object.class::cast),
                Arbitraries.bigDecimals().map(Object.class::cast),
                Arbitraries.of(true, false).map(Object.class::cast),
                Arbitraries.just(null));
        return Arbitraries.recursive(() -> leaf, inner -> Arbitraries.oneOf(
                inner.list().ofMaxSize(4).map(Object.class::cast),
                Arbitraries.maps(text(), inner).ofMaxSize(4).map(Object.class::cast)), 0, 4);
    }

    /** JSON text that does not parse: truncated, broken by a character, or in one of JSON's look-alikes. */
    static Arbitrary<String> malformed(Arbitrary<String> validJson) {
        Arbitrary<String> broken = Combinators.combine(validJson, Arbitraries.integers().between(0, 1000),
                Arbitraries.of("", "\"", "{", "}", "[", ",", ":", "\\", "\u0000", "'", "/*", "NaN", "\uFEFF"))
                .as((json, at, insert) -> {
                    int cut = json.isEmpty() ? 0 : at % json.length();
                    return json.substring(0, cut) + insert + (insert.isEmpty() ? "" : json.substring(cut));
                });
        Arbitrary<String> lookAlikes = Arbitraries.of("{'id': 'x'}", "{id: 1}", "{\"id\":1,}", "[1,2,]", "{\"a\":1}{\"b\":2}",
                "{\"a\":01}", "{\"a\":.5}", "{\"a\":+1}", "{\"a\":Infinity}", "{\"a\":\"\\x41\"}", "{\"a\":\"\\uD800\"}",
                "// comment\n{}", "\uFEFF{}", "{\"a\":1} trailing", "{\"id\":\"1\",\"id\":\"2\"}", "<xml/>", "\"just a string\"",
                "42", "true", "null", "");
        return Arbitraries.oneOf(broken, lookAlikes);
    }

    /** JSON nested far deeper than any real body: objects or arrays, hundreds to thousands of levels. */
    static Arbitrary<String> deeplyNested() {
        return Combinators.combine(Arbitraries.integers().between(200, 6000), Arbitraries.of(true, false))
                .as((depth, objects) -> objects
                        ? "{\"a\":".repeat(depth) + "1" + "}".repeat(depth)
                        : "[".repeat(depth) + "]".repeat(depth));
    }

    /** A body far larger than any endpoint takes: a valid-looking JSON object padded to 100 KB–2 MB. */
    static Arbitrary<String> huge() {
        return Arbitraries.integers().between(100_000, 2_000_000).map(size -> "{\"padding\":\"" + "x".repeat(size) + "\"}");
    }

    /** The value as JSON text. */
    static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A fresh GUID, as Microsoft's ids. */
    static Arbitrary<String> guid() {
        return Arbitraries.create(() -> UUID.randomUUID().toString());
    }

    /** The map with one entry replaced (or removed, for a null value). */
    static Map<String, Object> with(Map<String, Object> map, String key, Object value, boolean remove) {
        Map<String, Object> changed = new LinkedHashMap<>(map);
        if (remove) {
            changed.remove(key);
        } else {
            changed.put(key, value);
        }
        return changed;
    }

    /** The text percent-encoded as one path segment or query value (every byte but the unreserved ones). */
    static String encode(String text) {
        StringBuilder encoded = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if (Character.isLetterOrDigit(c) && c < 128 || c == '-' || c == '.' || c == '_' || c == '~') {
                encoded.append(c);
            } else {
                encoded.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return encoded.toString();
    }

    /** A query string of these keys and values, encoded; keys without a value are left out. */
    static String query(Map<String, String> parameters) {
        StringBuilder query = new StringBuilder();
        parameters.forEach((key, value) -> {
            if (value != null) {
                query.append(query.length() == 0 ? "?" : "&").append(encode(key)).append('=').append(encode(value));
            }
        });
        return query.toString();
    }

    /** Values an HTTP header can carry (HTTP/1.1 field values: visible ASCII, spaces and Latin-1), from any text. */
    static Arbitrary<String> headerValue() {
        return text().map(value -> value.chars().filter(c -> c == '\t' || c >= 0x20 && c < 0x7f || c >= 0xa0 && c <= 0xff)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString().strip());
    }
}
