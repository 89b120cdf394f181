package io.marketplacebridge.billing;

import io.marketplacebridge.outbound.HttpAuth;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * The publisher's billing system ({@code bridge.billing.*}): every event is POSTed to it with its event id as
 * {@code Idempotency-Key} (routes/deliver-billing.camel.yaml).
 *
 * @param url where events are POSTed
 * @param auth how the bridge authenticates to it
 */
@Validated
@ConfigurationProperties("bridge.billing")
public record BillingProperties(@NotNull URI url, @Valid @NotNull HttpAuth auth) {
}
