package io.marketplacebridge.webhook;

import jakarta.validation.constraints.NotNull;
import java.net.URI;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Microsoft's webhook ({@code bridge.webhook.*}): how its bearer JWT is checked (docs/marketplace-contract.md §6), how
 * large a notification may be, and who decides plan and quantity changes.
 *
 * @param validation {@code jwt} (default) checks every call's token; {@code none} switches the check off and warns
 *        at every start
 * @param audience the {@code aud} the token must carry: the application (client) id of the publisher's app
 *        registration in Partner Center's technical configuration
 * @param tenantId the publisher's Entra tenant (technical configuration): the token's {@code tid} and issuer
 * @param jwksUri where the signing keys are published; by default the tenant's Entra ID key set
 * @param maxBodyBytes largest notification accepted; a larger one gets {@code 413}
 * @param decisionUrl the publisher's endpoint that decides ChangePlan and ChangeQuantity (2xx accepts, 4xx
 *        rejects, anything else accepts); empty accepts every change
 */
@Validated
@ConfigurationProperties("bridge.webhook")
public record WebhookProperties(
        @NotNull Validation validation,
        String audience,
        String tenantId,
        URI jwksUri,
        @NotNull DataSize maxBodyBytes,
        URI decisionUrl) {

    /** Whether the webhook's bearer token is checked. */
    public enum Validation {
        /** The token is validated as docs/marketplace-contract.md §6 says (default). */
        JWT,
        /** No check at all: for a local test against a fake caller only. */
        NONE
    }
}
