package io.marketplacebridge.broker;

import static io.marketplacebridge.broker.BrokerTopology.ACKNOWLEDGEMENTS;
import static io.marketplacebridge.broker.BrokerTopology.COMMANDS;
import static io.marketplacebridge.broker.BrokerTopology.DEAD_LETTER_ADDRESS;
import static io.marketplacebridge.broker.BrokerTopology.DEAD_LETTER_PREFIX;
import static io.marketplacebridge.broker.BrokerTopology.EVENTS;
import static io.marketplacebridge.broker.BrokerTopology.EVENT_QUEUES;
import static io.marketplacebridge.broker.BrokerTopology.EXPIRY;
import static io.marketplacebridge.broker.BrokerTopology.INBOUND;
import static io.marketplacebridge.broker.BrokerTopology.OPERATIONS;
import static io.marketplacebridge.broker.BrokerTopology.RECONCILE;
import static io.marketplacebridge.broker.BrokerTopology.USAGE;

import java.util.concurrent.atomic.AtomicInteger;
import org.apache.activemq.artemis.api.core.QueueConfiguration;
import org.apache.activemq.artemis.api.core.RoutingType;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.config.CoreAddressConfiguration;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.server.JournalType;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.context.annotation.Bean;

/**
 * Starts the embedded, persistent Artemis broker with the topology of docs/architecture.md §6 when {@code bridge.broker.url} is empty.
 * An external broker gets the same topology from its own {@code broker.xml} (see docker-compose.yml).
 */
@org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
@ConditionalOnExpression("'${bridge.broker.url:}'.isBlank()")
class EmbeddedBrokerConfiguration {

    /** In-VM server ids of this JVM: a second application context (a restart test) gets its own broker. */
    private static final AtomicInteger SERVER_IDS = new AtomicInteger();

    @Bean(initMethod = "start", destroyMethod = "stop")
    EmbeddedActiveMQ embeddedBroker(BrokerProperties broker) throws Exception {
        EmbeddedActiveMQ server = new EmbeddedActiveMQ();
        server.setConfiguration(configuration(broker, SERVER_IDS.getAndIncrement()));
        return server;
    }

    /** The in-VM URL that reaches the given embedded broker. */
    static String inVmUrl(EmbeddedActiveMQ server) {
        return "vm://" + server.getConfiguration().getAcceptorConfigurations().iterator().next().getParams().get("serverId");
    }

    static Configuration configuration(BrokerProperties broker, int serverId) throws Exception {
        String dir = broker.dataDir().toAbsolutePath().toString();
        Configuration config = new ConfigurationImpl()
                .setName(serverId == 0 ? "marketplace-bridge" : "marketplace-bridge-" + serverId)
                .setPersistenceEnabled(true)
                .setJournalType(JournalType.NIO)
                .setJournalDirectory(dir + "/journal")
                .setBindingsDirectory(dir + "/bindings")
                .setPagingDirectory(dir + "/paging")
                .setLargeMessagesDirectory(dir + "/large-messages")
                .setNodeManagerLockDirectory(dir)
                .setSecurityEnabled(false)
                .setJMXManagementEnabled(true)
                .setPersistIDCache(true)
                .setIDCacheSize(100_000)
                // A backlog beyond this waits on disk, not in the heap: the bridge's memory stays bounded however many
                // webhooks a burst brings (docs/benchmarks.md).
                .setGlobalMaxSize(broker.memory().toBytes());
        config.addAcceptorConfiguration("in-vm", "vm://" + serverId);
        config.addAddressSetting("#", new AddressSettings()
                .setDeadLetterAddress(SimpleString.of(DEAD_LETTER_ADDRESS))
                // The DLQ.<queue> queues are declared below: auto-creation would add DLQ.marketplace.events
                // (filtered on the address), keeping a copy of every event dead letter that nothing reads.
                .setAutoCreateDeadLetterResources(false)
                .setDeadLetterQueuePrefix(SimpleString.of(DEAD_LETTER_PREFIX))
                // No message of the bridge expires; without an expiry address Artemis warns about it at every start.
                .setExpiryAddress(SimpleString.of(EXPIRY))
                // The routes dead-letter on their last failed attempt themselves, with the reason; the broker's
                // limit is a backstop far above it, for a message whose consumer dies each time.
                .setMaxDeliveryAttempts(broker.backstopDeliveryAttempts())
                // A rolled-back message goes back to the head of its queue at once: the consumer waits out the
                // back-off before it rolls back (RedeliveryBackoff), so later messages of its subscription cannot
                // overtake it, as they would a message the broker holds back for a redelivery delay.
                .setRedeliveryDelay(0)
                .setAutoCreateQueues(false)
                .setAutoCreateAddresses(false));

        config.addAddressConfiguration(anycast(INBOUND));
        config.addAddressConfiguration(anycast(ACKNOWLEDGEMENTS));
        config.addAddressConfiguration(anycast(COMMANDS));
        config.addAddressConfiguration(anycast(OPERATIONS));
        config.addAddressConfiguration(anycast(USAGE));
        config.addAddressConfiguration(anycast(RECONCILE));
        config.addAddressConfiguration(anycast(EXPIRY));
        CoreAddressConfiguration events = new CoreAddressConfiguration().setName(EVENTS).addRoutingType(RoutingType.MULTICAST);
        EVENT_QUEUES.forEach(queue -> events.addQueueConfiguration(
                QueueConfiguration.of(queue).setAddress(EVENTS).setRoutingType(RoutingType.MULTICAST).setDurable(true)));
        config.addAddressConfiguration(events);

        CoreAddressConfiguration deadLetters = new CoreAddressConfiguration()
                .setName(DEAD_LETTER_ADDRESS).addRoutingType(RoutingType.MULTICAST);
        BrokerTopology.consumedQueues().forEach(queue -> deadLetters.addQueueConfiguration(
                QueueConfiguration.of(DEAD_LETTER_PREFIX + queue)
                        .setAddress(DEAD_LETTER_ADDRESS)
                        .setRoutingType(RoutingType.MULTICAST)
                        .setFilterString("_AMQ_ORIG_QUEUE = '" + queue + "'")
                        .setDurable(true)));
        config.addAddressConfiguration(deadLetters);
        return config;
    }

    private static CoreAddressConfiguration anycast(String name) {
        return new CoreAddressConfiguration()
                .setName(name)
                .addRoutingType(RoutingType.ANYCAST)
                .addQueueConfiguration(QueueConfiguration.of(name).setAddress(name)
                        .setRoutingType(RoutingType.ANYCAST).setDurable(true));
    }
}
