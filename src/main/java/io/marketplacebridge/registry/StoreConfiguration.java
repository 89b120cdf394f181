package io.marketplacebridge.registry;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.marketplacebridge.broker.BrokerProperties;
import java.nio.file.Path;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The store's connection pool: embedded H2 (a file under the data directory, PostgreSQL compatibility mode) when
 * {@code bridge.store.url} is empty, otherwise the configured database. Flyway (Spring Boot's) migrates it at start
 * from {@code db/migration}.
 */
@Configuration(proxyBeanMethods = false)
public class StoreConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(StoreConfiguration.class);

    @Bean
    DataSource dataSource(StoreProperties store, BrokerProperties broker) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("bridge-store");
        config.setMaximumPoolSize(Math.max(2, store.maxConnections()));
        // Connections are opened as the load asks for them, not all at start: an idle instance holds two of the
        // server's connections, not bridge.store.max-connections.
        config.setMinimumIdle(2);
        // A store that does not answer fails the step (the message is redelivered) instead of holding a consumer.
        config.setConnectionTimeout(5_000);
        config.setValidationTimeout(2_000);
        if (store.url() == null || store.url().isBlank()) {
            Path file = broker.dataDir().toAbsolutePath().resolve("store").resolve("bridge");
            config.setJdbcUrl(embeddedUrl(file));
            config.setUsername("bridge");
            config.setPassword("");
            LOG.info("Store: embedded H2 in {}.mv.db", file);
        } else {
            config.setJdbcUrl(store.url());
            config.setUsername(store.username());
            config.setPassword(store.password());
            LOG.info("Store: {}", store.url().replaceAll("password=[^&;]*", "password=***"));
        }
        return new HikariDataSource(config);
    }

    /**
     * The embedded H2 store in {@code file} ({@code .mv.db} added). {@code WRITE_DELAY=0}: H2 otherwise keeps a
     * commit in memory for up to 500 ms before it writes it to the file, so a {@code kill -9} (or any crash of the
     * process) loses what the store had confirmed: a landing's {@code Purchased} missing from the timeline, an
     * accepted publisher operation or usage record gone. Written at each commit, it survives the process (not a
     * power loss: the operating system has it, unsynced; docs/reliability.md, scenario 1).
     */
    public static String embeddedUrl(Path file) {
        return "jdbc:h2:file:" + file + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;WRITE_DELAY=0";
    }
}
