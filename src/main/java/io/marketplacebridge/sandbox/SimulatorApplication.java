package io.marketplacebridge.sandbox;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.actuate.autoconfigure.availability.AvailabilityHealthContributorAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.availability.AvailabilityProbesAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.endpoint.web.WebEndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.health.HealthContributorAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.health.HealthEndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.web.server.ManagementContextAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.web.servlet.ServletManagementContextAutoConfiguration;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.availability.ApplicationAvailabilityAutoConfiguration;
import org.springframework.boot.autoconfigure.context.PropertyPlaceholderAutoConfiguration;
import org.springframework.boot.autoconfigure.http.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.autoconfigure.jackson.JacksonAutoConfiguration;
import org.springframework.boot.autoconfigure.validation.ValidationAutoConfiguration;
import org.springframework.boot.autoconfigure.web.servlet.DispatcherServletAutoConfiguration;
import org.springframework.boot.autoconfigure.web.servlet.ServletWebServerFactoryAutoConfiguration;
import org.springframework.boot.autoconfigure.web.servlet.WebMvcAutoConfiguration;
import org.springframework.boot.autoconfigure.web.servlet.error.ErrorMvcAutoConfiguration;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.event.EventListener;
import org.springframework.core.env.Environment;
import org.springframework.core.env.Profiles;
import org.springframework.core.env.SimpleCommandLinePropertySource;
import org.springframework.core.env.StandardEnvironment;

/**
 * The marketplace simulator as a process of its own ({@code --spring.profiles.active=simulator}, docs/simulator.md):
 * Microsoft's side and the publisher's systems for a bridge in another process, which may be killed and started
 * again while the simulator keeps its state. Only the web server, JSON and health: the auto-configuration is listed
 * rather than discovered, so no Camel route, broker, store, Flyway or security chain of the bridge starts. Adds the
 * load API to {@link MarketplaceSimulator}. {@code MarketplaceBridgeApplication.main} starts this instead of the
 * bridge when the profile is active ({@link #requested}).
 */
// @Configuration, not @SpringBootConfiguration: the tests of this package look for the bridge's, one package up.
@Configuration(proxyBeanMethods = false)
@ImportAutoConfiguration({PropertyPlaceholderAutoConfiguration.class, JacksonAutoConfiguration.class,
        ValidationAutoConfiguration.class, HttpMessageConvertersAutoConfiguration.class,
        ServletWebServerFactoryAutoConfiguration.class, DispatcherServletAutoConfiguration.class,
        WebMvcAutoConfiguration.class, ErrorMvcAutoConfiguration.class,
        ApplicationAvailabilityAutoConfiguration.class, EndpointAutoConfiguration.class, WebEndpointAutoConfiguration.class,
        HealthContributorAutoConfiguration.class, HealthEndpointAutoConfiguration.class,
        AvailabilityHealthContributorAutoConfiguration.class, AvailabilityProbesAutoConfiguration.class,
        ManagementContextAutoConfiguration.class, ServletManagementContextAutoConfiguration.class})
@Import({MarketplaceSimulator.class, SimulatedLoad.class, LoadController.class})
public class SimulatorApplication {

    /** The profile that starts the simulator instead of the bridge. */
    public static final String PROFILE = "simulator";

    private static final Logger LOG = LoggerFactory.getLogger(SimulatorApplication.class);

    /**
     * Whether these arguments, the system properties or the environment ({@code SPRING_PROFILES_ACTIVE}) activate
     * the {@code simulator} profile.
     */
    public static boolean requested(String... args) {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new SimpleCommandLinePropertySource(args));
        return environment.acceptsProfiles(Profiles.of(PROFILE));
    }

    /** Starts the simulator. */
    public static ConfigurableApplicationContext run(String... args) {
        SpringApplication simulator = new SpringApplication(SimulatorApplication.class);
        simulator.setMainApplicationClass(SimulatorApplication.class);
        return simulator.run(args);
    }

    @EventListener(ApplicationReadyEvent.class)
    void ready(ApplicationReadyEvent event) {
        Environment environment = event.getApplicationContext().getEnvironment();
        LOG.info("Simulator ready: http://localhost:{}/sandbox/load/report (webhooks to {})",
                environment.getProperty("local.server.port"), environment.getProperty("bridge.simulator.bridge-url"));
    }
}
