package io.marketplacebridge.provisioning;

import io.marketplacebridge.outbound.HttpAuth;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * The publisher's provisioning system ({@code bridge.provisioning.*}): every event is POSTed to it with its event id
 * as {@code Idempotency-Key}, and its answer to {@code Purchased} decides activation
 * (routes/deliver-provisioning.camel.yaml).
 *
 * @param url where events are POSTed
 * @param auth how the bridge authenticates to it
 */
@Validated
@ConfigurationProperties("bridge.provisioning")
public record ProvisioningProperties(@NotNull URI url, @Valid @NotNull HttpAuth auth) {
}
