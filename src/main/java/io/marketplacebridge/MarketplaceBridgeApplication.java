package io.marketplacebridge;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * Marketplace Bridge: keeps a SaaS publisher's CRM, billing and provisioning in step with the Microsoft
 * commercial marketplace. The behaviour lives in the Camel routes under {@code routes/}.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class MarketplaceBridgeApplication {

    public static void main(String[] args) {
        SpringApplication.run(MarketplaceBridgeApplication.class, args);
    }
}
