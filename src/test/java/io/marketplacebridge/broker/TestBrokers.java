package io.marketplacebridge.broker;

import java.nio.file.Path;
import java.time.Duration;
import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.springframework.util.unit.DataSize;

/** An Artemis server of the bridge's topology on a TCP port, standing in for an external broker in tests. */
public final class TestBrokers {

    private static final java.util.concurrent.atomic.AtomicInteger IDS = new java.util.concurrent.atomic.AtomicInteger(900);

    private TestBrokers() {
    }

    /** Starts the broker with its journal in {@code dataDir}; its URL is {@link #url}. */
    public static EmbeddedActiveMQ startTcp(Path dataDir) throws Exception {
        BrokerProperties properties = new BrokerProperties("", null, null, dataDir, 5, Duration.ofMillis(200), 1.5,
                Duration.ofSeconds(1), Duration.ofSeconds(5), 2, DataSize.ofKilobytes(16),
                DataSize.ofMegabytes(32));
        Configuration configuration = EmbeddedBrokerConfiguration.configuration(properties, IDS.incrementAndGet())
                .setJMXManagementEnabled(false);
        configuration.addAcceptorConfiguration("tcp", "tcp://localhost:0");
        EmbeddedActiveMQ broker = new EmbeddedActiveMQ().setConfiguration(configuration);
        broker.start();
        return broker;
    }

    /** The TCP URL of a broker started by {@link #startTcp}. */
    public static String url(EmbeddedActiveMQ broker) {
        return "tcp://localhost:" + broker.getActiveMQServer().getRemotingService().getAcceptor("tcp").getActualPort();
    }
}
