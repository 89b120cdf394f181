package io.marketplacebridge.outbound;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.marketplacebridge.billing.BillingProperties;
import io.marketplacebridge.crm.CrmProperties;
import io.marketplacebridge.provisioning.ProvisioningProperties;
import java.time.Clock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * One {@link OutboundAuth} per downstream HTTP system; a delivery route names its own on the {@code http} endpoint
 * ({@code httpClientConfigurer: "#billingAuth"}), so credentials never appear in a route or a message header.
 */
@Configuration(proxyBeanMethods = false)
class OutboundAuthConfiguration {

    @Bean
    OutboundAuth billingAuth(BillingProperties billing, ObjectMapper json) {
        return new OutboundAuth("billing", billing.auth(), json, Clock.systemUTC());
    }

    @Bean
    OutboundAuth provisioningAuth(ProvisioningProperties provisioning, ObjectMapper json) {
        return new OutboundAuth("provisioning", provisioning.auth(), json, Clock.systemUTC());
    }

    @Bean
    OutboundAuth crmAuth(CrmProperties crm, ObjectMapper json) {
        return new OutboundAuth("crm", crm.auth(), json, Clock.systemUTC());
    }
}
