package io.marketplacebridge.sandbox;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The publisher's systems in the sandbox: records what the bridge delivers to provisioning, billing and CRM, and
 * answers with a status that can be set per system (200 by default; 202 is "accepted, not ready" for provisioning,
 * 503 an outage). Keeps the newest {@value #KEPT} deliveries per system.
 */
public class DeliveryRecorder {

    /** The systems that have a recording endpoint. */
    public static final List<String> SYSTEMS = List.of("provisioning", "billing", "crm");

    static final int KEPT = 500;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** How a system answers: this status, for the next {@code times} deliveries or, when null, until changed. */
    public record Behaviour(int status, Integer times) {
    }

    private final Clock clock;
    private final Map<String, Deque<Map<String, Object>>> deliveries = new LinkedHashMap<>();
    private final Map<String, Behaviour> behaviours = new LinkedHashMap<>();
    private long sequence;

    public DeliveryRecorder() {
        this(Clock.systemUTC());
    }

    DeliveryRecorder(Clock clock) {
        this.clock = clock;
        SYSTEMS.forEach(system -> {
            deliveries.put(system, new ArrayDeque<>());
            behaviours.put(system, new Behaviour(200, null));
        });
    }

    /**
     * Records one delivery and decides its answer.
     *
     * @param headers the request headers, names in lower case; an Authorization value is masked
     * @param body the raw body: kept as JSON when it parses, else as text
     * @return the recorded delivery, with the status to answer in {@code answer}
     */
    public synchronized Map<String, Object> record(String system, String method, Map<String, String> headers, String body) {
        Deque<Map<String, Object>> received = deliveries(system);
        Map<String, String> recordedHeaders = new LinkedHashMap<>(headers);
        recordedHeaders.computeIfPresent("authorization", (name, value) -> value.replaceAll("\\s.*", " ***"));
        Map<String, Object> delivery = new LinkedHashMap<>();
        delivery.put("sequence", ++sequence);
        delivery.put("system", system);
        delivery.put("receivedAt", clock.instant().toString());
        delivery.put("method", method);
        delivery.put("idempotencyKey", headers.get("idempotency-key"));
        delivery.put("headers", recordedHeaders);
        delivery.put("body", parse(body));
        delivery.put("answer", nextAnswer(system));
        received.addLast(delivery);
        while (received.size() > KEPT) {
            received.removeFirst();
        }
        return delivery;
    }

    /** Sets how a system answers from now on. */
    public synchronized Behaviour behave(String system, Behaviour behaviour) {
        deliveries(system);
        if (behaviour.status() < 200 || behaviour.status() > 599) {
            throw SimulatorException.badRequest("status must be an HTTP status from 200 to 599.");
        }
        if (behaviour.times() != null && behaviour.times() < 1) {
            throw SimulatorException.badRequest("times must be at least 1, or left out for \"until changed\".");
        }
        behaviours.put(system, behaviour);
        return behaviour;
    }

    /** How a system answers now. */
    public synchronized Behaviour behaviour(String system) {
        deliveries(system);
        return behaviours.get(system);
    }

    /** Answers 200 again on every system. */
    public synchronized void resetBehaviours() {
        SYSTEMS.forEach(system -> behaviours.put(system, new Behaviour(200, null)));
    }

    /**
     * What a system received, oldest first.
     *
     * @param subscriptionId when given, only deliveries whose body is about this subscription
     */
    public synchronized List<Map<String, Object>> deliveries(String system, String subscriptionId) {
        return deliveries(system).stream()
                .filter(delivery -> subscriptionId == null || subscriptionId.equalsIgnoreCase(subscriptionIdOf(delivery)))
                .map(delivery -> (Map<String, Object>) new LinkedHashMap<>(delivery))
                .toList();
    }

    private int nextAnswer(String system) {
        Behaviour behaviour = behaviours.get(system);
        if (behaviour.times() != null) {
            behaviours.put(system, behaviour.times() > 1 ? new Behaviour(behaviour.status(), behaviour.times() - 1)
                    : new Behaviour(200, null));
        }
        return behaviour.status();
    }

    private Deque<Map<String, Object>> deliveries(String system) {
        Deque<Map<String, Object>> received = deliveries.get(system);
        if (received == null) {
            throw SimulatorException.notFound("No system " + system + ": the sandbox records " + String.join(", ", SYSTEMS) + ".");
        }
        return received;
    }

    private static String subscriptionIdOf(Map<String, Object> delivery) {
        if (delivery.get("body") instanceof Map<?, ?> body) {
            if (body.get("subscription") instanceof Map<?, ?> subscription && subscription.get("id") != null) {
                return String.valueOf(subscription.get("id"));
            }
            if (body.get("subscriptionId") != null) {
                return String.valueOf(body.get("subscriptionId"));
            }
        }
        return null;
    }

    private static Object parse(String body) {
        if (body == null || body.isBlank()) {
            return null;
        }
        try {
            return JSON.readValue(body, Object.class);
        } catch (IOException notJson) {
            return body;
        }
    }
}
