package io.marketplacebridge.crm;

import io.marketplacebridge.outbound.HttpAuth;
import jakarta.validation.Valid;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * Where events for the publisher's CRM go ({@code bridge.crm.*}): Salesforce (settings {@code bridge.salesforce.*}),
 * or an HTTP endpoint that takes the canonical event like billing does (routes/deliver-crm.camel.yaml).
 *
 * @param mode {@code salesforce} or {@code http}
 * @param url where events are POSTed in {@code http} mode
 * @param auth how the bridge authenticates to {@code url}
 */
@Validated
@ConfigurationProperties("bridge.crm")
public record CrmProperties(@NotNull Mode mode, URI url, @Valid @NotNull HttpAuth auth) {

    /** The CRM integrations. */
    public enum Mode {
        /** Upsert into Salesforce with camel-salesforce. */
        SALESFORCE,
        /** POST the canonical event to {@code bridge.crm.url}. */
        HTTP
    }

    /** {@code http} mode needs its URL. */
    @AssertTrue(message = "bridge.crm.mode=http needs bridge.crm.url")
    public boolean isUrlSetInHttpMode() {
        return mode != Mode.HTTP || url != null;
    }
}
