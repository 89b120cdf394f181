package io.marketplacebridge;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * No secret, token or purchase token is ever logged: reads what every test class of the suite logged
 * (target/surefire-reports/*-output.txt) and looks for the test suite's own secrets and for token shapes. Runs in
 * surefire's second execution ("log-scan", pom.xml), after all the others.
 */
@Tag("log-scan")
class LogsHoldNoSecretsTest {

    /** The suite's secrets (bridge-test.properties, the sandbox profile) and the shapes of tokens it sends. */
    private static final List<Pattern> SECRETS = List.of(
            Pattern.compile("test-admin-password"), Pattern.compile("test-integration-password"),
            Pattern.compile("test-salesforce-secret"), Pattern.compile("sandbox-not-a-secret"),
            Pattern.compile("simulator-not-a-secret"), Pattern.compile("simulated-admin\\b"), Pattern.compile("simulated-integration"),
            Pattern.compile("sandbox-admin\\b"), Pattern.compile("sandbox-integration"),
            Pattern.compile("Bearer test-token"), Pattern.compile("salesforce-test-token"),
            // A signed JWT (webhook tokens, Entra tokens): header.payload.signature in base64url.
            Pattern.compile("eyJ[A-Za-z0-9_-]{10,}\\.eyJ[A-Za-z0-9_-]{10,}\\.[A-Za-z0-9_-]{10,}"),
            // Any JOSE object the forgery scenario sends: unsigned (alg none), stripped or encrypted (JWE) tokens.
            Pattern.compile("eyJ[A-Za-z0-9_-]{10,}\\.[A-Za-z0-9_-]*\\.[A-Za-z0-9_-]*"),
            // The operator's and the integration's logins as an HTTP Basic header carries them (ForgeryTest, FuzzTest).
            Pattern.compile(Pattern.quote(basic("operator:test-admin-password"))),
            Pattern.compile(Pattern.quote(basic("integration:test-integration-password"))),
            // The purchase tokens of BridgeTest.purchase as Resolve receives them, and the fuzz's landing and
            // purchase tokens (FuzzTest marks them).
            Pattern.compile("\\btoken-[0-9a-f]{8}-[0-9a-f]{4}-"), Pattern.compile("fuzz-(landing|purchase)-token"),
            // The landing tokens the tests buy with (BridgeTest.purchase, LandingFlowTest).
            Pattern.compile("token=token-[0-9a-f]{8}"), Pattern.compile("\\b(expired|orphan|first|manage)-[0-9a-f]{8}-[0-9a-f]{4}"));

    private static String basic(String login) {
        return java.util.Base64.getEncoder().encodeToString(login.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void noTestClassLoggedASecretOrAToken() throws IOException {
        Path reports = Path.of("target", "surefire-reports");
        List<String> found = new ArrayList<>();
        List<Path> logs;
        try (Stream<Path> files = Files.exists(reports) ? Files.list(reports) : Stream.empty()) {
            logs = files.filter(file -> file.getFileName().toString().endsWith("-output.txt"))
                    .filter(file -> !file.getFileName().toString().contains(getClass().getSimpleName()))
                    .toList();
        }
        for (Path log : logs) {
            String text = Files.readString(log, StandardCharsets.UTF_8);
            for (Pattern secret : SECRETS) {
                var matcher = secret.matcher(text);
                if (matcher.find()) {
                    int line = text.substring(0, matcher.start()).split("\n", -1).length;
                    found.add(log.getFileName() + ":" + line + " shows " + secret.pattern());
                }
            }
        }

        assertThat(logs).as("the suite's logs").isNotEmpty();
        assertThat(found).isEmpty();
    }
}
