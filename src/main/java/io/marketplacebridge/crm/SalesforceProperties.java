package io.marketplacebridge.crm;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * The Salesforce org that receives one record per marketplace subscription ({@code bridge.salesforce.*}), used when
 * {@code bridge.crm.mode=salesforce}. Object and field names are the publisher's: each field maps one value of the
 * canonical event to an API field name, and a field left empty is not written.
 *
 * @param loginUrl where the bridge gets its OAuth token: the org's My Domain URL for client credentials
 *        ({@code https://<domain>.my.salesforce.com}), {@code https://login.salesforce.com} or
 *        {@code https://test.salesforce.com} for the JWT bearer flow
 * @param instanceUrl REST API host; empty takes the {@code instance_url} of the token answer
 * @param apiVersion REST API version, e.g. {@code 62.0}
 * @param auth the connected app's credentials
 * @param connectTimeout how long connecting to Salesforce may take
 * @param requestTimeout how long one call (login or upsert) may take before it fails and the broker redelivers
 * @param subscription the object that holds one record per subscription
 */
@Validated
@ConfigurationProperties("bridge.salesforce")
public record SalesforceProperties(
        @NotNull URI loginUrl,
        URI instanceUrl,
        @NotBlank @Pattern(regexp = "\\d+\\.\\d+") String apiVersion,
        @Valid @NotNull Auth auth,
        @NotNull Duration connectTimeout,
        @NotNull Duration requestTimeout,
        @Valid @NotNull SubscriptionObject subscription) {

    /** The OAuth 2.0 flows of a Salesforce connected app (or external client app). */
    public enum AuthMode {
        /** Client credentials: client id and secret, run as the app's configured user. */
        CLIENT_CREDENTIALS,
        /** JWT bearer: client id, user name and a key store with the app's certificate and private key. */
        JWT
    }

    /**
     * Credentials ({@code bridge.salesforce.auth.*}).
     *
     * @param mode {@code client-credentials} or {@code jwt}
     * @param clientId the connected app's consumer key
     * @param clientSecret the consumer secret ({@code client-credentials})
     * @param username the Salesforce user the bridge acts as ({@code jwt})
     * @param keyStore key store holding exactly one private key, whose certificate the app trusts ({@code jwt})
     * @param keyStorePassword password of the key store and of its key ({@code jwt})
     * @param keyStoreType {@code PKCS12} or {@code JKS} ({@code jwt})
     * @param jwtAudience the JWT {@code aud}; empty uses {@code login-url}. Set it to
     *        {@code https://login.salesforce.com} (or {@code test}) when {@code login-url} is a My Domain URL
     */
    public record Auth(
            @NotNull AuthMode mode,
            String clientId,
            String clientSecret,
            String username,
            Path keyStore,
            String keyStorePassword,
            String keyStoreType,
            String jwtAudience) {
    }

    /**
     * The subscription object ({@code bridge.salesforce.subscription.*}), upserted by external id.
     *
     * @param object API name of the object
     * @param externalIdField API name of its external id field, which holds the marketplace subscription id
     * @param fields API field names of the values the bridge writes
     */
    public record SubscriptionObject(
            @NotBlank String object,
            @NotBlank String externalIdField,
            @Valid @NotNull Fields fields) {
    }

    /**
     * API field names ({@code bridge.salesforce.subscription.fields.*}); an empty name leaves that value out.
     *
     * @param name the subscription's name
     * @param offerId the marketplace offer
     * @param planId the plan
     * @param quantity seats of a per-user plan
     * @param status the marketplace status: PendingFulfillmentStart, Subscribed, Suspended, Unsubscribed
     * @param autoRenew whether the subscription renews
     * @param termStart first day of the current term
     * @param termEnd last day of the current term
     * @param purchaserEmail who bought it (the reseller for CSP purchases)
     * @param purchaserTenantId the purchaser's Entra tenant
     * @param beneficiaryEmail who uses it (the customer)
     * @param beneficiaryTenantId the beneficiary's Entra tenant
     * @param lastEventId id of the last event written, e.g. {@code purchase:<subscription id>}
     * @param lastEventType type of the last event written, e.g. {@code Activated}
     * @param lastEventAt when the last event written happened
     */
    public record Fields(
            String name,
            String offerId,
            String planId,
            String quantity,
            String status,
            String autoRenew,
            String termStart,
            String termEnd,
            String purchaserEmail,
            String purchaserTenantId,
            String beneficiaryEmail,
            String beneficiaryTenantId,
            String lastEventId,
            String lastEventType,
            String lastEventAt) {
    }
}
