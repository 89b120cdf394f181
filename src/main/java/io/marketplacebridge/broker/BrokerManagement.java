package io.marketplacebridge.broker;

import jakarta.jms.Connection;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import jakarta.jms.TemporaryQueue;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.activemq.artemis.api.core.management.ResourceNames;
import org.apache.activemq.artemis.api.jms.management.JMSManagementHelper;
import org.springframework.stereotype.Component;

/**
 * What the broker itself knows about its queues, asked with Artemis management messages over JMS: a request to
 * {@value #MANAGEMENT_ADDRESS}, the answer on a temporary queue. It works the same on the embedded broker and on an
 * external Artemis, where the bridge's user needs the {@code manage} permission (config/artemis/broker.xml grants
 * it), and it reads no message.
 */
@Component
public class BrokerManagement {

    /** Artemis' management address (its default, which broker.xml keeps). */
    static final String MANAGEMENT_ADDRESS = "activemq.management";

    private final ConnectionFactory connectionFactory;
    private final Duration timeout;

    public BrokerManagement(ConnectionFactory jmsConnectionFactory, BrokerProperties broker) {
        this.connectionFactory = jmsConnectionFactory;
        this.timeout = broker.callTimeout();
    }

    /**
     * How many messages each queue holds now, as the broker counts them (scheduled and in-delivery ones included),
     * in the order asked.
     */
    public Map<String, Long> messageCounts(List<String> queues) throws JMSException {
        Map<String, Long> counts = new LinkedHashMap<>();
        try (Connection connection = connectionFactory.createConnection()) {
            connection.start();
            try (Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE)) {
                TemporaryQueue answers = session.createTemporaryQueue();
                try (MessageProducer requests = session.createProducer(session.createQueue(MANAGEMENT_ADDRESS));
                        MessageConsumer replies = session.createConsumer(answers)) {
                    for (String queue : queues) {
                        counts.put(queue, messageCount(session, requests, replies, answers, queue));
                    }
                } finally {
                    // The connection may be shared (CachingConnectionFactory): its temporary queues outlive this call.
                    answers.delete();
                }
            }
        }
        return counts;
    }

    private long messageCount(Session session, MessageProducer requests, MessageConsumer replies, TemporaryQueue answers,
            String queue) throws JMSException {
        Message request = session.createMessage();
        JMSManagementHelper.putAttribute(request, ResourceNames.QUEUE + queue, "messageCount");
        request.setJMSReplyTo(answers);
        requests.send(request);
        Message reply = replies.receive(timeout.toMillis());
        if (reply == null) {
            throw new JMSException("The broker did not answer the message count of " + queue + " within " + timeout);
        }
        Object result = result(reply);
        if (!JMSManagementHelper.hasOperationSucceeded(reply) || !(result instanceof Number count)) {
            throw new JMSException("The broker refused the message count of " + queue + ": " + result);
        }
        return count.longValue();
    }

    private static Object result(Message reply) throws JMSException {
        try {
            return JMSManagementHelper.getResult(reply);
        } catch (JMSException e) {
            throw e;
        } catch (Exception e) {
            JMSException unreadable = new JMSException("Unreadable management answer: " + e.getMessage());
            unreadable.setLinkedException(e);
            throw unreadable;
        }
    }
}
