package io.marketplacebridge.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.marketplacebridge.BridgeTest;
import jakarta.servlet.Filter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.camel.CamelContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.Environment;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

/**
 * FlowsReady: the flow endpoints answer 503 until the routes run, a start without flows fails with a message, and a
 * normal start is quiet and ends with where to go.
 */
@ExtendWith(OutputCaptureExtension.class)
class FlowsReadyTest extends BridgeTest {

    @Autowired
    CamelContext camel;

    @Autowired
    Environment environment;

    @TempDir
    Path dataDir;

    @Test
    void flowEndpointsAnswer503WithRetryAfterUntilTheRoutesRun() throws Exception {
        FlowsReady flows = new FlowsReady(new ObjectMapper(), environment);
        Filter filter = new FlowsReady.Filter().flowsReadyFilter(flows).getFilter();
        AtomicBoolean reachedTheFlow = new AtomicBoolean();

        MockHttpServletResponse starting = new MockHttpServletResponse();
        filter.doFilter(new MockHttpServletRequest("POST", "/api/webhook"), starting, (request, response) -> reachedTheFlow.set(true));
        flows.afterApplicationStart(camel);
        MockHttpServletResponse started = new MockHttpServletResponse();
        filter.doFilter(new MockHttpServletRequest("POST", "/api/webhook"), started, (request, response) -> reachedTheFlow.set(true));

        assertThat(starting.getStatus()).isEqualTo(503);
        assertThat(starting.getHeader("Retry-After")).isEqualTo("5");
        assertThat(starting.getContentType()).isEqualTo("application/problem+json");
        assertThat(starting.getContentAsString()).contains("\"status\":503", "starting");
        assertThat(reachedTheFlow).isTrue();
        assertThat(started.getStatus()).isEqualTo(200);
    }

    @Test
    void startWithoutAnyFlowFailsAndSaysWhere() throws Exception {
        Path emptyRoutes = Files.createDirectories(dataDir.resolve("empty-routes"));

        assertThatThrownBy(() -> startApplication(dataDir, "no-flows-test",
                Map.of("camel.main.routes-include-pattern", "file:" + dataDir + "/missing/*.camel.yaml")).close())
                .rootCause().hasMessageContaining("No flow was loaded").hasMessageContaining("routes/ and config/");
        assertThatThrownBy(() -> startApplication(dataDir, "empty-flows-test",
                Map.of("camel.main.routes-include-pattern", "file:" + emptyRoutes + "/*.camel.yaml")).close())
                .rootCause().hasMessageContaining("No flow was loaded");
    }

    @Test
    void startIsQuietAndEndsWithWhereToGo(CapturedOutput output) throws Exception {
        try (ConfigurableApplicationContext bridge = startApplication(dataDir, "quiet-start-test", Map.of())) {
            assertThat(output.getOut()).contains("Marketplace Bridge ready (")
                    .doesNotContain("AMQ222166").doesNotContain(" ERROR ");
            assertThat(output.getOut().lines().filter(line -> line.contains(" WARN "))).isEmpty();
        }
    }
}
