package io.marketplacebridge.broker;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Where the broker is and how it redelivers ({@code bridge.broker.*}).
 *
 * @param url external Artemis URL ({@code tcp://host:61616}); empty starts the embedded broker
 * @param user user for the external broker
 * @param password password for the external broker
 * @param dataDir journal, bindings, paging and large-message directory of the embedded broker
 * @param maxDeliveryAttempts failed attempts of one message before the bridge moves it to its dead-letter queue
 * @param redeliveryDelay delay before the first redelivery
 * @param redeliveryMultiplier factor applied to the delay at each further redelivery
 * @param maxRedeliveryDelay upper bound of the redelivery delay
 * @param callTimeout how long a send may block on the broker before it fails (intake answers 503 then)
 * @param consumers concurrent consumers per queue (messages of one subscription stay in order)
 * @param consumerWindow how much message data the broker hands each in-order consumer ahead of its next receive
 *     (processing, the deliveries, the side flows); the acknowledgement lane takes one message at a time
 * @param memory how much message data the embedded broker keeps in the heap; beyond it, an address's further
 *     messages wait in page files on disk until the consumers catch up (Artemis's {@code global-max-size})
 */
@Validated
@ConfigurationProperties("bridge.broker")
public record BrokerProperties(
        String url,
        String user,
        String password,
        @NotNull Path dataDir,
        @Min(1) int maxDeliveryAttempts,
        @NotNull Duration redeliveryDelay,
        @Min(1) double redeliveryMultiplier,
        @NotNull Duration maxRedeliveryDelay,
        @NotNull Duration callTimeout,
        @Min(1) int consumers,
        @NotNull DataSize consumerWindow,
        @NotNull DataSize memory) {

    /**
     * The broker's own delivery limit, four times the bridge's: the backstop for a message no consumer finishes or
     * fails (one that brings its consumer down each time). Deliveries the bridge did not fail count there too (a
     * failover rolls back every transaction in flight), so it must be well above the bridge's budget; an external
     * broker's broker.xml sets the same (config/artemis/broker.xml).
     */
    public int backstopDeliveryAttempts() {
        return 4 * maxDeliveryAttempts;
    }

    /** True when no external broker is configured and the bridge runs its own. */
    public boolean embedded() {
        return url == null || url.isBlank();
    }
}
