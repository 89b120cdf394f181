package io.marketplacebridge.admin;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * Credentials of the operator ({@code bridge.admin.*}): {@code /api/admin}, {@code /actuator} (Hawtio, Jolokia,
 * metrics, info, health details) and everything the publisher's systems may call. There is no default: the bridge
 * refuses to start without them.
 *
 * @param username the operator's user name
 * @param password the operator's password
 */
@Validated
@ConfigurationProperties("bridge.admin")
public record AdminProperties(String username, String password) {
}
