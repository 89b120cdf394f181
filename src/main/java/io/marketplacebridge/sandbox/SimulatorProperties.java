package io.marketplacebridge.sandbox;

import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.context.annotation.Profile;
import org.springframework.validation.annotation.Validated;

/**
 * The marketplace simulator ({@code bridge.simulator.*}): which bridge it plays Microsoft for, and how it behaves.
 * The {@code sandbox} profile sets it from the bridge's own settings (application-sandbox.yaml), the standalone
 * {@code simulator} profile from application-simulator.yaml (docs/simulator.md). The profiles also keep the bridge's
 * {@code @ConfigurationPropertiesScan} from binding it in a production bridge.
 *
 * @param bridgeUrl the bridge's base URL: webhooks go to {@code <bridgeUrl>/api/webhook}, landing links to
 *        {@code <bridgeUrl>/landing}
 * @param apiToken the bearer token the Fulfillment and metering APIs accept (the bridge's
 *        {@code bridge.marketplace.auth.static-token})
 * @param tenantId the publisher's tenant: the {@code tid} and issuer of the webhook tokens (the bridge's
 *        {@code bridge.webhook.tenant-id})
 * @param audience the publisher's app id: the {@code aud} of the webhook tokens (the bridge's
 *        {@code bridge.webhook.audience})
 * @param apiLatency added before every answer of the Fulfillment and metering APIs
 * @param downstreamLatency added before every answer of the recording endpoints (provisioning, billing, CRM)
 * @param webhook how webhook calls are retried
 */
@Validated
@Profile({"sandbox", "simulator"})
@ConfigurationProperties("bridge.simulator")
public record SimulatorProperties(
        @NotNull URI bridgeUrl,
        @NotBlank String apiToken,
        @NotBlank String tenantId,
        @NotBlank String audience,
        @NotNull Duration apiLatency,
        @NotNull Duration downstreamLatency,
        @Valid @NotNull Webhook webhook) {

    /**
     * The retry policy of webhook calls, as Microsoft retries a call that is not answered 2xx
     * (docs/marketplace-contract.md §5.3): {@code firstBackoff}, then each wait {@code multiplier} times longer, at
     * most {@code maxBackoff}, until {@code attempts} calls were made or the next would start more than
     * {@code giveUpAfter} after the first.
     *
     * @param attempts calls at most, the first included
     * @param firstBackoff wait after the first failed call
     * @param multiplier growth of the wait per failed call
     * @param maxBackoff longest wait between two calls
     * @param giveUpAfter no call starts later than this after the first
     * @param timeout longest wait for the connection and for the answer of one call; no answer counts as a failure
     */
    public record Webhook(
            @Min(1) int attempts,
            @NotNull Duration firstBackoff,
            @DecimalMin("1.0") double multiplier,
            @NotNull Duration maxBackoff,
            @NotNull Duration giveUpAfter,
            @NotNull Duration timeout) {
    }
}
