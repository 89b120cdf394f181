package io.marketplacebridge.broker;

import java.util.List;
import java.util.stream.Stream;

/**
 * The addresses and queues of broker topology (docs/architecture.md §6). Every consumed queue has a dead-letter queue
 * {@code DLQ.<queue>} on the multicast address {@link #DEAD_LETTER_ADDRESS}, selected by Artemis'
 * {@code _AMQ_ORIG_QUEUE} property, which is also what Artemis' own "retry message" reads.
 */
public final class BrokerTopology {

    public static final String INBOUND = "marketplace.inbound";
    /**
     * The acknowledgement lane: a copy of each ChangePlan and ChangeQuantity notification, read by many consumers
     * without message groups, so that Microsoft's 10-second window never waits behind the in-order backlog of
     * {@link #INBOUND} (docs/architecture.md "The acknowledgement lane").
     */
    public static final String ACKNOWLEDGEMENTS = "marketplace.acknowledgements";
    public static final String EVENTS = "marketplace.events";
    public static final String COMMANDS = "marketplace.commands";
    /**
     * Operations the publisher started (change plan, change quantity, cancel) and their polls. A queue of their own,
     * not {@link #COMMANDS}: Artemis pins a message group to one consumer, and a consumer whose selector refuses a
     * message of its group would hold it forever; one consumer per queue avoids selectors between flows.
     */
    public static final String OPERATIONS = "marketplace.operations";
    /** Metered usage records from the product. */
    public static final String USAGE = "marketplace.usage";
    /**
     * Reconciliation runs to carry out, scheduled or asked for by an operator; one consumer route reads it, and a
     * lease in the store lets one instance reconcile at a time (docs/architecture.md "Reconciliation").
     */
    public static final String RECONCILE = "marketplace.reconcile";
    public static final List<String> EVENT_QUEUES = List.of("crm", "billing", "provisioning", "audit");
    public static final String DEAD_LETTER_ADDRESS = "DLA";
    public static final String DEAD_LETTER_PREFIX = "DLQ.";
    /** Where an expired message would go; no message of the bridge has an expiry. */
    public static final String EXPIRY = "ExpiryQueue";

    private BrokerTopology() {
    }

    /** Every queue that consumers read, each of which has a dead-letter queue. */
    public static List<String> consumedQueues() {
        return Stream.concat(Stream.of(INBOUND, ACKNOWLEDGEMENTS, COMMANDS, OPERATIONS, USAGE, RECONCILE), EVENT_QUEUES.stream()).toList();
    }

    /** The address a consumed queue belongs to: the queue itself, or {@link #EVENTS} for the downstream queues. */
    public static String addressOf(String queue) {
        return EVENT_QUEUES.contains(queue) ? EVENTS : queue;
    }
}
