package io.marketplacebridge.sandbox;

import static io.marketplacebridge.sandbox.TestSimulator.JSON;
import static org.assertj.core.api.Assertions.assertThat;

import jakarta.jms.ConnectionFactory;
import javax.sql.DataSource;
import org.apache.camel.CamelContext;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.security.web.SecurityFilterChain;

/**
 * The {@code simulator} profile starts the simulator alone (SimulatorApplication): Microsoft's side and the recording
 * systems answer, and nothing of the bridge exists, no routes, broker, store or security chain.
 */
class SimulatorApplicationTest {

    private static TestSimulator simulator;

    @BeforeAll
    static void startTheSimulator() {
        simulator = TestSimulator.start();
    }

    @AfterAll
    static void stopTheSimulator() {
        simulator.close();
    }

    @Test
    void theSimulatorProfileStartsTheSimulatorInsteadOfTheBridge() {
        assertThat(SimulatorApplication.requested("--spring.profiles.active=simulator")).isTrue();
        assertThat(SimulatorApplication.requested("--server.port=9090", "--spring.profiles.active=sandbox,simulator")).isTrue();
        assertThat(SimulatorApplication.requested("--spring.profiles.active=sandbox")).isFalse();
        assertThat(SimulatorApplication.requested()).isFalse();
    }

    @Test
    void nothingOfTheBridgeStarts() {
        for (Class<?> type : new Class<?>[] {CamelContext.class, ConnectionFactory.class, DataSource.class, Flyway.class,
                SecurityFilterChain.class}) {
            assertThat(simulator.context.getBeanNamesForType(type)).as(type.getSimpleName()).isEmpty();
        }
    }

    @Test
    void theSimulatorAnswersAndTheBridgesPathsDoNotExist() throws Exception {
        assertThat(JSON.readTree(simulator.send("GET", "/actuator/health/readiness", null).body()).get("status").asText())
                .isEqualTo("UP");
        assertThat(JSON.readTree(simulator.send("GET", "/sandbox/marketplace/jwks", null).body()).get("keys")).hasSize(1);
        assertThat(simulator.send("GET", "/sandbox/marketplace/api/saas/subscriptions?" + TestSimulator.API_VERSION, null)
                .statusCode()).isEqualTo(401);
        assertThat(simulator.fulfillmentApi("GET", "", null).statusCode()).isEqualTo(200);
        assertThat(simulator.send("POST", "/sandbox/recorder/billing", "{}").statusCode()).isEqualTo(200);
        assertThat(simulator.send("GET", "/sandbox", null).statusCode()).isEqualTo(404);
        assertThat(simulator.send("POST", "/api/webhook", "{}").statusCode()).isEqualTo(404);
        assertThat(simulator.send("GET", "/actuator/hawtio", null).statusCode()).isEqualTo(404);
    }
}
