package io.marketplacebridge.broker;

import jakarta.jms.ConnectionFactory;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.camel.LoggingLevel;
import org.apache.camel.component.jms.JmsComponent;
import org.apache.camel.component.jms.JmsMessageType;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.jms.connection.CachingConnectionFactory;

/**
 * The Camel {@code jms} component on Artemis: embedded (in-VM) or external by {@code bridge.broker.url}. There is
 * no camel-jms starter at 4.18 in our registry, so the component is a bean and {@code camel.component.jms.*} does
 * nothing.
 */
@Configuration(proxyBeanMethods = false)
class JmsConfiguration {

    /**
     * Idle sessions kept per acknowledgement mode: at least as many as threads that send at once (the webhook's
     * requests, the consumers that publish). A send that finds none cached opens a session and closes it after: round
     * trips to the broker that 10 cached sessions left to the 32 concurrent webhooks of the benchmark.
     */
    static final int SESSION_CACHE_SIZE = 64;

    @Bean
    ActiveMQConnectionFactory artemisConnectionFactory(BrokerProperties broker,
            ObjectProvider<EmbeddedActiveMQ> embedded) {
        ActiveMQConnectionFactory factory = artemis(broker, embedded);
        // A small buffer per consumer: Artemis hands a message of a group (one subscription) only to the group's
        // consumer, and a queue whose head waits for a consumer with no room hands out nothing else meanwhile. With no
        // buffer, a consumer busy with its message had no room, so most consumers idled behind a backlog.
        factory.setConsumerWindowSize((int) broker.consumerWindow().toBytes());
        return factory;
    }

    /**
     * Connections with no client-side buffer: the acknowledgement lane's (component {@code jmsLane}) and the
     * dead-letter API's. A change waits in the broker until a lane consumer is free to take it, not in the buffer of
     * a consumer that is waiting out a back-off (that wait would cost the buffered changes Microsoft's 10-second
     * window); the lane has no message groups, so any free consumer takes the next change. A browse or a receive of
     * the dead-letter API sees every message the broker has, not only what a buffer holds at that moment.
     */
    @Bean
    ActiveMQConnectionFactory unbufferedArtemisConnectionFactory(BrokerProperties broker,
            ObjectProvider<EmbeddedActiveMQ> embedded) {
        ActiveMQConnectionFactory factory = artemis(broker, embedded);
        factory.setConsumerWindowSize(0);
        return factory;
    }

    private static ActiveMQConnectionFactory artemis(BrokerProperties broker, ObjectProvider<EmbeddedActiveMQ> embedded) {
        EmbeddedActiveMQ server = embedded.getIfAvailable();
        ActiveMQConnectionFactory factory = server != null
                ? new ActiveMQConnectionFactory(EmbeddedBrokerConfiguration.inVmUrl(server))
                : new ActiveMQConnectionFactory(broker.url(), broker.user(), broker.password());
        factory.setCallTimeout(broker.callTimeout().toMillis());
        factory.setBlockOnDurableSend(true);
        factory.setReconnectAttempts(broker.embedded() ? 0 : -1);
        return factory;
    }

    @Bean
    @Primary
    CachingConnectionFactory jmsConnectionFactory(
            @Qualifier("artemisConnectionFactory") ActiveMQConnectionFactory artemisConnectionFactory) {
        return caching(artemisConnectionFactory, false);
    }

    /**
     * Connections for the sends that must not join the consuming route's transaction (component {@code jmsAtOnce}):
     * a factory of its own, so that no listener's session is taken for them.
     */
    @Bean
    CachingConnectionFactory atOnceConnectionFactory(
            @Qualifier("artemisConnectionFactory") ActiveMQConnectionFactory artemisConnectionFactory) {
        return caching(artemisConnectionFactory, true);
    }

    @Bean("jms")
    JmsComponent jmsComponent(ConnectionFactory jmsConnectionFactory) {
        return configured(JmsComponent.jmsComponent(jmsConnectionFactory));
    }

    /**
     * The broker for events published once per event id (events-publish-once): each send is committed at once,
     * outside the transaction of the message being consumed. Artemis answers a duplicate id inside a transaction by
     * rolling the whole transaction back, so a consumer that publishes an event someone already published (the
     * landing page, a reconciliation run, a poll) would fail on every redelivery until it is dead-lettered; sent at
     * once, the repeat is dropped quietly. A consumer that fails after the send publishes the same id again on its
     * redelivery, which is dropped as well.
     */
    @Bean("jmsAtOnce")
    JmsComponent jmsAtOnceComponent(@Qualifier("atOnceConnectionFactory") ConnectionFactory atOnceConnectionFactory) {
        return configured(JmsComponent.jmsComponent(atOnceConnectionFactory));
    }

    /** The acknowledgement lane's consumers (webhook-acknowledgement) and the dead-letter API (DeadLetters). */
    @Bean
    CachingConnectionFactory unbufferedConnectionFactory(
            @Qualifier("unbufferedArtemisConnectionFactory") ActiveMQConnectionFactory unbufferedArtemisConnectionFactory) {
        return caching(unbufferedArtemisConnectionFactory, false);
    }

    /**
     * Sessions cached ({@link #SESSION_CACHE_SIZE}), reconnected after a failure. {@code cacheConsumers} false where
     * listeners consume: a cached idle consumer would hold buffered messages that no listener reads.
     */
    private static CachingConnectionFactory caching(ActiveMQConnectionFactory artemis, boolean cacheConsumers) {
        CachingConnectionFactory caching = new CachingConnectionFactory(artemis);
        caching.setSessionCacheSize(SESSION_CACHE_SIZE);
        caching.setCacheConsumers(cacheConsumers);
        caching.setReconnectOnException(true);
        return caching;
    }

    @Bean("jmsLane")
    JmsComponent jmsLaneComponent(@Qualifier("unbufferedConnectionFactory") ConnectionFactory unbufferedConnectionFactory) {
        return configured(JmsComponent.jmsComponent(unbufferedConnectionFactory));
    }

    private static JmsComponent configured(JmsComponent jms) {
        // Transacted consumers use their own session's local transaction, with no transaction manager: the listener
        // exposes that session, so what a route sends while it handles a message (the next event, a command, a dead
        // letter) commits or rolls back with the message it consumed. And the consumer lives as long as the
        // listener: Artemis pins a message group (one subscription) to a consumer, which a consumer created per
        // receive (Spring's way under a transaction manager) would scatter.
        jms.setLazyCreateTransactionManager(false);
        jms.getConfiguration().setCacheLevelName("CACHE_CONSUMER");
        // Our messages are events, not requests: never wait for a reply on a temporary queue.
        jms.setDisableReplyTo(true);
        jms.setDeliveryPersistent(true);
        jms.setIncludeAllJMSXProperties(true);
        // A failed attempt is already logged by the route's policy in one line (queue-consumer-errors): the
        // listener's own report of the rollback, with two stack traces, says nothing more.
        jms.getConfiguration().setErrorHandlerLoggingLevel(LoggingLevel.DEBUG);
        jms.getConfiguration().setErrorHandlerLogStackTrace(false);
        // Events are JSON: text messages read well in Hawtio and in the dead-letter API.
        jms.getConfiguration().setJmsMessageType(JmsMessageType.Text);
        return jms;
    }
}
