package io.marketplacebridge;

import io.marketplacebridge.sandbox.SandboxConfiguration;
import io.marketplacebridge.sandbox.SimulatorApplication;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurationExcludeFilter;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.context.TypeExcludeFilter;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.ComponentScan.Filter;
import org.springframework.context.annotation.FilterType;
import org.springframework.context.annotation.Import;

/**
 * Marketplace Bridge: keeps a SaaS publisher's CRM, billing and provisioning in step with the Microsoft
 * commercial marketplace. The behaviour lives in the Camel routes under {@code routes/}.
 * <p>
 * This is {@code @SpringBootApplication} with one more scan filter: the sandbox package is not scanned, so its
 * controllers and beans exist only through {@link SandboxConfiguration}, which the {@code sandbox} profile guards.
 * With the {@code simulator} profile the same jar starts the marketplace simulator alone instead
 * ({@link SimulatorApplication}, docs/simulator.md).
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@ComponentScan(excludeFilters = {
        @Filter(type = FilterType.CUSTOM, classes = TypeExcludeFilter.class),
        @Filter(type = FilterType.CUSTOM, classes = AutoConfigurationExcludeFilter.class),
        @Filter(type = FilterType.REGEX, pattern = "io\\.marketplacebridge\\.sandbox\\..*")})
@Import(SandboxConfiguration.class)
@ConfigurationPropertiesScan
public class MarketplaceBridgeApplication {

    public static void main(String[] args) {
        if (SimulatorApplication.requested(args)) {
            SimulatorApplication.run(args);
        } else {
            SpringApplication.run(MarketplaceBridgeApplication.class, args);
        }
    }
}
