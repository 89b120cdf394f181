package io.marketplacebridge.broker;

import static io.marketplacebridge.broker.BrokerTopology.DEAD_LETTER_ADDRESS;
import static io.marketplacebridge.broker.BrokerTopology.DEAD_LETTER_PREFIX;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.marketplacebridge.registry.SubscriptionRegistry;
import io.marketplacebridge.registry.SubscriptionRegistry.Outcome;
import io.marketplacebridge.web.ProblemException;
import io.marketplacebridge.web.Problems;
import jakarta.jms.BytesMessage;
import jakarta.jms.Connection;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.QueueBrowser;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.camel.Body;
import org.apache.camel.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.stereotype.Component;

/**
 * The dead-letter queues {@code DLQ.<queue>} as operators see them (routes/dead-letters.camel.yaml): counts, the
 * messages with their reasons, replay and discard. Only JMS is used (the broker's counts by management message,
 * browse, and a transacted receive and send), so it works the same on the embedded broker and on an external
 * Artemis. Replay and discard take only what the request selects. A replay sends the message, as it arrived with its
 * group (subscription) and event headers but without the failure headers, to its original queue only, by its fully
 * qualified name ({@code marketplace.events::crm}): the other consumers of the address get no copy.
 */
@Component
public class DeadLetters {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetters.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern MESSAGE_ID = Pattern.compile("ID:[A-Za-z0-9._:-]{1,100}");
    private static final int DEFAULT_LIMIT = 100;
    private static final int MAX_LIMIT = 1000;
    /** Headers that describe a failure or the broker's bookkeeping: a replay starts without them. */
    private static final Pattern NOT_REPLAYED = Pattern.compile("bridgeFailure.*|bridgeFailedAt|bridgeFirstFailedAt|JMSX.*|_AMQ.*|__AMQ.*|JMS_.*");

    private final ConnectionFactory connectionFactory;
    private final BrokerManagement brokerManagement;
    private final SubscriptionRegistry registry;

    /** {@code unbufferedConnectionFactory}: a browse or receive sees every message the broker holds (JmsConfiguration). */
    public DeadLetters(@Qualifier("unbufferedConnectionFactory") ConnectionFactory unbufferedConnectionFactory,
            BrokerManagement brokerManagement, SubscriptionRegistry registry) {
        this.registry = registry;
        this.connectionFactory = unbufferedConnectionFactory;
        this.brokerManagement = brokerManagement;
    }

    /**
     * {@code {"queues": [{"queue", "deadLetterQueue", "messages"}]}} for every consumed queue: the broker's own
     * counts, so no dead letter is read, however many there are.
     */
    public Map<String, Object> counts() throws JMSException {
        List<String> deadLetterQueues = BrokerTopology.consumedQueues().stream().map(queue -> DEAD_LETTER_PREFIX + queue).toList();
        Map<String, Long> counts = brokerManagement.messageCounts(deadLetterQueues);
        List<Map<String, Object>> queues = new ArrayList<>();
        for (String queue : BrokerTopology.consumedQueues()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("queue", queue);
            entry.put("deadLetterQueue", DEAD_LETTER_PREFIX + queue);
            entry.put("messages", counts.get(DEAD_LETTER_PREFIX + queue));
            queues.add(entry);
        }
        return Map.of("queues", queues);
    }

    /**
     * The first {@code limit} dead letters of a queue, oldest first, with their reasons and bodies.
     *
     * @param subscriptionId only the dead letters of this subscription: a GUID
     * @param limit at most this many (a whole number, held between 1 and {@value #MAX_LIMIT}); anything else is a 400
     */
    public Map<String, Object> list(@Header("queue") String queue, @Header("subscriptionId") String subscriptionId,
            @Header("limit") String limit) throws JMSException {
        requireQueue(queue);
        int max = limit == null || limit.isBlank() ? DEFAULT_LIMIT : Math.max(1, Math.min(limit(limit), MAX_LIMIT));
        List<Map<String, Object>> messages = browse(queue, selector(Set.of(), subscriptionFilter(subscriptionId)), max);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("queue", queue);
        answer.put("deadLetterQueue", DEAD_LETTER_PREFIX + queue);
        answer.put("messages", messages);
        return answer;
    }

    /**
     * Sends the selected dead letters back to their original queue, in one transaction, and answers
     * {@code {"queue", "replayed", "messageIds"}}. Nothing selected is a 400: the whole queue only with
     * {@code all=true}.
     *
     * @param messageIds dead letters' JMS message ids (query {@code messageId}, repeatable or comma-separated)
     * @param subscriptionId only the dead letters of this subscription: a GUID
     * @param all {@code true} takes every dead letter the other criteria select, the whole queue without them
     * @param body optional JSON {@code {"messageIds": [...], "subscriptionId": "...", "all": true}}
     */
    public Map<String, Object> replay(@Header("queue") String queue, @Header("messageId") Object messageIds,
            @Header("subscriptionId") String subscriptionId, @Header("all") String all, @Body String body)
            throws JMSException {
        requireQueue(queue);
        Selection selection = Selection.of(messageIds, subscriptionId, all, body);
        List<String> replayed = new ArrayList<>();
        try (Connection connection = connectionFactory.createConnection()) {
            connection.start();
            Session session = connection.createSession(true, Session.SESSION_TRANSACTED);
            try (MessageConsumer consumer = session.createConsumer(deadLetterQueue(session, queue), selection.selector());
                    MessageProducer producer = session.createProducer(originalQueue(session, queue))) {
                Message message;
                while ((message = consumer.receiveNoWait()) != null) {
                    producer.send(replayOf(session, message));
                    replayed.add(message.getJMSMessageID());
                    // The timeline shows the replay; a failed write rolls the replay back.
                    registry.recordOutcome(message.getStringProperty("bridgeEventId"), queue,
                            message.getStringProperty("bridgeSubscriptionId"), Outcome.REPLAYED, "replayed by an operator", null);
                    LOG.info("Replaying dead letter {} ({} {}, subscription {}) to {}", message.getJMSMessageID(),
                            message.getStringProperty("bridgeEventType"), message.getStringProperty("bridgeEventId"),
                            message.getStringProperty("bridgeSubscriptionId"), originalQueue(queue));
                }
                session.commit();
            } catch (JMSException | RuntimeException e) {
                session.rollback();
                throw e;
            } finally {
                session.close();
            }
        }
        LOG.warn("Replayed {} dead letter(s) of {} to {}", replayed.size(), DEAD_LETTER_PREFIX + queue, originalQueue(queue));
        return result(queue, "replayed", replayed);
    }

    /**
     * Deletes the selected dead letters (selected as {@link #replay} selects them) and logs each with the operator's
     * reason; answers {@code {"queue", "discarded", "messageIds"}}.
     *
     * @param reason why they are discarded (query {@code reason} or JSON {@code "reason"}): required
     */
    public Map<String, Object> discard(@Header("queue") String queue, @Header("messageId") Object messageIds,
            @Header("subscriptionId") String subscriptionId, @Header("all") String all, @Header("reason") String reason,
            @Body String body) throws JMSException {
        requireQueue(queue);
        Selection selection = Selection.of(messageIds, subscriptionId, all, body);
        String why = reason != null && !reason.isBlank() ? reason : selection.reason();
        if (why == null || why.isBlank()) {
            throw new ProblemException(400, "Say why the dead letters are discarded: query parameter or JSON field 'reason'.");
        }
        List<String> discarded = new ArrayList<>();
        try (Connection connection = connectionFactory.createConnection()) {
            connection.start();
            Session session = connection.createSession(true, Session.SESSION_TRANSACTED);
            try (MessageConsumer consumer = session.createConsumer(deadLetterQueue(session, queue), selection.selector())) {
                Message message;
                while ((message = consumer.receiveNoWait()) != null) {
                    discarded.add(message.getJMSMessageID());
                    registry.recordOutcome(message.getStringProperty("bridgeEventId"), queue,
                            message.getStringProperty("bridgeSubscriptionId"), Outcome.DISCARDED, why, null);
                    LOG.warn("Discarding dead letter {} of {} ({} {}, subscription {}, failed with {}): {}",
                            message.getJMSMessageID(), DEAD_LETTER_PREFIX + queue, message.getStringProperty("bridgeEventType"),
                            message.getStringProperty("bridgeEventId"), message.getStringProperty("bridgeSubscriptionId"),
                            message.getStringProperty("bridgeFailureMessage"), why.replaceAll("[\\r\\n]", " "));
                }
                session.commit();
            } catch (JMSException | RuntimeException e) {
                session.rollback();
                throw e;
            } finally {
                session.close();
            }
        }
        return result(queue, "discarded", discarded);
    }

    /** The FQQN a queue's messages are replayed to: only that queue, not the other queues of its address. */
    static String originalQueue(String queue) {
        return BrokerTopology.addressOf(queue) + "::" + queue;
    }

    /** A multicast address takes a topic, an anycast one a queue; either way the FQQN routes to that queue alone. */
    private static jakarta.jms.Destination originalQueue(Session session, String queue) throws JMSException {
        return BrokerTopology.EVENT_QUEUES.contains(queue)
                ? session.createTopic(originalQueue(queue))
                : session.createQueue(originalQueue(queue));
    }

    private static jakarta.jms.Queue deadLetterQueue(Session session, String queue) throws JMSException {
        return session.createQueue(DEAD_LETTER_ADDRESS + "::" + DEAD_LETTER_PREFIX + queue);
    }

    private static int limit(String limit) {
        try {
            return Integer.parseInt(limit.trim());
        } catch (NumberFormatException e) {
            throw new ProblemException(400, "limit must be a whole number (1 to " + MAX_LIMIT + ").");
        }
    }

    /** The first {@code max} dead letters the selector picks, described: the browser reads no further. */
    private List<Map<String, Object>> browse(String queue, String selector, int max) throws JMSException {
        List<Map<String, Object>> found = new ArrayList<>();
        try (Connection connection = connectionFactory.createConnection()) {
            connection.start();
            try (Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
                    QueueBrowser browser = session.createBrowser(deadLetterQueue(session, queue), selector)) {
                Enumeration<?> messages = browser.getEnumeration();
                while (found.size() < max && messages.hasMoreElements()) {
                    found.add(describe((Message) messages.nextElement()));
                }
            }
        }
        return found;
    }

    private static Message replayOf(Session session, Message dead) throws JMSException {
        Message replay = dead instanceof TextMessage text
                ? session.createTextMessage(text.getText())
                : bytesOf(session, dead);
        for (Object name : Collections.list(dead.getPropertyNames())) {
            String key = (String) name;
            if (!NOT_REPLAYED.matcher(key).matches()) {
                replay.setObjectProperty(key, dead.getObjectProperty(key));
            }
        }
        String group = dead.getStringProperty("JMSXGroupID");
        if (group != null) {
            replay.setStringProperty("JMSXGroupID", group);
        }
        replay.setJMSCorrelationID(dead.getJMSCorrelationID());
        replay.setJMSType(dead.getJMSType());
        return replay;
    }

    private static Message bytesOf(Session session, Message dead) throws JMSException {
        BytesMessage bytes = session.createBytesMessage();
        byte[] body = dead.getBody(byte[].class);
        if (body != null) {
            bytes.writeBytes(body);
        }
        return bytes;
    }

    private static Map<String, Object> describe(Message message) throws JMSException {
        Map<String, Object> reason = new LinkedHashMap<>();
        reason.put("exception", message.getStringProperty("bridgeFailureException"));
        reason.put("message", message.getStringProperty("bridgeFailureMessage"));
        reason.put("endpoint", message.getStringProperty("bridgeFailureEndpoint"));
        reason.put("route", message.getStringProperty("bridgeFailureRoute"));
        reason.put("attempts", message.getStringProperty("bridgeFailureAttempts"));
        reason.put("firstFailedAt", message.getStringProperty("bridgeFirstFailedAt"));
        reason.put("failedAt", message.getStringProperty("bridgeFailedAt"));
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("messageId", message.getJMSMessageID());
        entry.put("subscriptionId", message.getStringProperty("bridgeSubscriptionId"));
        entry.put("eventId", message.getStringProperty("bridgeEventId"));
        entry.put("eventType", message.getStringProperty("bridgeEventType"));
        entry.put("correlationId", message.getStringProperty("bridgeCorrelationId"));
        entry.put("reason", reason);
        entry.put("body", body(message));
        return entry;
    }

    private static Object body(Message message) throws JMSException {
        String text = message instanceof TextMessage textMessage ? textMessage.getText()
                : message instanceof BytesMessage ? new String(message.getBody(byte[].class), java.nio.charset.StandardCharsets.UTF_8)
                : null;
        if (text == null) {
            return null;
        }
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException notJson) {
            return text;
        }
    }

    private static Map<String, Object> result(String queue, String action, List<String> messageIds) {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("queue", queue);
        answer.put(action, messageIds.size());
        answer.put("messageIds", messageIds);
        return answer;
    }

    private static void requireQueue(String queue) {
        if (queue == null || !BrokerTopology.consumedQueues().contains(queue)) {
            throw new ProblemException(404, "There is no dead-letter queue for '" + queue + "'. Queues: "
                    + String.join(", ", BrokerTopology.consumedQueues()) + ".");
        }
    }

    /**
     * The subscription filter as the operator gave it, or null: a GUID, or a 400. It becomes part of a JMS selector,
     * so nothing else may pass.
     */
    private static String subscriptionFilter(String subscriptionId) {
        if (subscriptionId == null || subscriptionId.isBlank()) {
            return null;
        }
        String trimmed = subscriptionId.trim();
        if (!Problems.isGuid(trimmed)) {
            throw new ProblemException(400, "subscriptionId must be a GUID, the subscription's id as Microsoft gives it"
                    + " (e.g. 4a9ab6c1-0d1e-4c7a-9d55-2b2f4c0e7a31).");
        }
        return trimmed;
    }

    private static String selector(Set<String> messageIds, String subscriptionId) {
        List<String> conditions = new ArrayList<>();
        if (!messageIds.isEmpty()) {
            conditions.add(messageIds.stream().map(id -> "JMSMessageID = '" + id + "'")
                    .collect(Collectors.joining(" OR ", "(", ")")));
        }
        if (subscriptionId != null) {
            conditions.add("bridgeSubscriptionId = '" + subscriptionId + "'");
        }
        return conditions.isEmpty() ? null : String.join(" AND ", conditions);
    }

    /**
     * Which dead letters a request means: the query and the JSON body together. Something must be chosen (message
     * ids, a subscription, or {@code all}), so that a bare request never takes the whole queue.
     */
    private record Selection(Set<String> messageIds, String subscriptionId, String reason) {

        static Selection of(Object queryMessageIds, String querySubscriptionId, String queryAll, String body) {
            Set<String> ids = new LinkedHashSet<>();
            collect(queryMessageIds, ids);
            String subscriptionId = blankToNull(querySubscriptionId);
            boolean all = flag(queryAll);
            String reason = null;
            if (body != null && !body.isBlank()) {
                JsonNode json;
                try {
                    json = JSON.readTree(body);
                } catch (JsonProcessingException e) {
                    throw new ProblemException(400, "The body must be JSON: {\"messageIds\": [...], \"subscriptionId\": \"...\"} or {\"all\": true}.");
                }
                json.path("messageIds").forEach(id -> ids.add(id.asText()));
                if (json.hasNonNull("messageId")) {
                    ids.add(json.get("messageId").asText());
                }
                if (subscriptionId == null && json.hasNonNull("subscriptionId")) {
                    subscriptionId = blankToNull(json.get("subscriptionId").asText());
                }
                all = all || json.hasNonNull("all") && flag(json.get("all").asText());
                reason = json.hasNonNull("reason") ? json.get("reason").asText() : null;
            }
            for (String id : ids) {
                if (!MESSAGE_ID.matcher(id).matches()) {
                    throw new ProblemException(400, "A message id looks like ID:<uuid>, as GET /api/admin/dead-letters/{queue} lists it.");
                }
            }
            subscriptionId = subscriptionFilter(subscriptionId);
            if (ids.isEmpty() && subscriptionId == null && !all) {
                throw new ProblemException(400, "Say which dead letters: messageId (repeatable), subscriptionId, or all=true"
                        + " for the whole queue, in the query or the JSON body. Nothing was changed.");
            }
            return new Selection(ids, subscriptionId, reason);
        }

        String selector() {
            return DeadLetters.selector(messageIds, subscriptionId);
        }

        private static void collect(Object value, Set<String> ids) {
            if (value instanceof Iterable<?> values) {
                values.forEach(item -> collect(item, ids));
            } else if (value != null) {
                for (String id : value.toString().split(",")) {
                    if (!id.isBlank()) {
                        ids.add(id.trim());
                    }
                }
            }
        }

        private static boolean flag(String value) {
            if (value == null || value.isBlank() || value.trim().equalsIgnoreCase("false")) {
                return false;
            }
            if (value.trim().equalsIgnoreCase("true")) {
                return true;
            }
            throw new ProblemException(400, "all is true or false.");
        }

        private static String blankToNull(String value) {
            return value == null || value.isBlank() ? null : value.trim();
        }
    }
}
