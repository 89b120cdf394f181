package io.marketplacebridge.sandbox;

import com.nimbusds.jose.JOSEException;
import java.time.Duration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Microsoft's side and the publisher's systems, simulated: the marketplace with its Fulfillment and metering APIs,
 * its Entra ID (key set, signed webhook tokens) and webhook sender, and the recording endpoints of provisioning,
 * billing and CRM. One implementation for both modes that use it: the {@code sandbox} profile inside the bridge
 * ({@link SandboxConfiguration}) and the standalone simulator ({@link SimulatorApplication}), each set up by
 * {@code bridge.simulator.*}. Adds the Fulfillment API gate and the configured latencies.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(SimulatorProperties.class)
@Import({SandboxMarketplace.class, DeliveryRecorder.class, SandboxController.class, SandboxWebhooks.class,
        MarketplaceSimulatorController.class, RecorderController.class,
        SandboxErrors.FulfillmentApiErrors.class, SandboxErrors.SandboxApiErrors.class,
        SandboxMetering.class, SandboxMeteringController.class})
public class MarketplaceSimulator implements WebMvcConfigurer {

    private final SimulatorProperties properties;

    MarketplaceSimulator(SimulatorProperties properties) {
        this.properties = properties;
    }

    @Bean
    SandboxEntraId sandboxEntraId() throws JOSEException {
        return new SandboxEntraId(properties.tenantId(), properties.audience());
    }

    @Bean
    SandboxWebhookSender sandboxWebhookSender(SandboxEntraId entraId) {
        return new SandboxWebhookSender(entraId, properties);
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        String api = MarketplaceSimulatorController.BASE_PATH + "/**";
        if (properties.apiLatency().compareTo(Duration.ZERO) > 0) {
            registry.addInterceptor(new SimulatedLatency(properties.apiLatency())).addPathPatterns(api);
        }
        registry.addInterceptor(new MarketplaceSimulatorGate(properties.apiToken())).addPathPatterns(api);
        if (properties.downstreamLatency().compareTo(Duration.ZERO) > 0) {
            // The deliveries only, not /sandbox/recorder/{system}/behaviour.
            registry.addInterceptor(new SimulatedLatency(properties.downstreamLatency())).addPathPatterns("/sandbox/recorder/*");
        }
    }
}
