package io.marketplacebridge.admin;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * Credentials of the publisher's systems ({@code bridge.integration.*}): provisioning's "tenant ready" callback,
 * publisher-initiated changes, subscription reads and usage ({@code /api/subscriptions/**}, {@code /api/operations/**},
 * {@code /api/usage}), never the console, Jolokia, metrics or {@code /api/admin}. There is no default: the bridge
 * refuses to start without them, and they must not be the operator's.
 *
 * @param username the user name the publisher's systems log in with (HTTP Basic)
 * @param password their password
 */
@Validated
@ConfigurationProperties("bridge.integration")
public record IntegrationProperties(String username, String password) {
}
