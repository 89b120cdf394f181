package io.marketplacebridge.registry;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * Where the bridge keeps its registry ({@code bridge.store.*}). Empty {@code url}: an embedded H2 database in a file
 * under the data directory ({@code bridge.broker.data-dir}/store), with no set-up; production points it at
 * PostgreSQL ({@code jdbc:postgresql://host:5432/bridge}), which every instance of the bridge shares.
 *
 * @param url the JDBC URL; empty for the embedded store
 * @param username the database user (PostgreSQL)
 * @param password the database password (PostgreSQL); no default
 * @param maxConnections the largest number of connections the bridge opens
 */
@Validated
@ConfigurationProperties("bridge.store")
public record StoreProperties(String url, String username, String password, int maxConnections) {
}
