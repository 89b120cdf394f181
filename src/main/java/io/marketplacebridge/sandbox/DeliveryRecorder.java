package io.marketplacebridge.sandbox;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The publisher's systems in the sandbox: records what the bridge delivers to provisioning, billing and CRM, and
 * answers with a status that can be set per system (200 by default; 202 is "accepted, not ready" for provisioning,
 * 503 an outage). Keeps the newest {@value #KEPT} deliveries per system whole, and counts every delivery by its
 * {@code Idempotency-Key} ({@link #tally}), so that a load of any size is reported without keeping its bodies.
 */
public class DeliveryRecorder {

    /** The systems that have a recording endpoint. */
    public static final List<String> SYSTEMS = List.of("provisioning", "billing", "crm");

    static final int KEPT = 500;
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * How a system answers: this status for the next {@code times} deliveries, or for the next {@code seconds}
     * seconds, or (both null) until changed; then 200 again.
     */
    public record Behaviour(int status, Integer times, Integer seconds) {

        public Behaviour(int status, Integer times) {
            this(status, times, null);
        }
    }

    /**
     * How often one {@code Idempotency-Key} arrived at a system.
     *
     * @param deliveries every delivery with this key
     * @param accepted those answered 2xx
     * @param firstSequence the recorder's sequence number of the first one (deliveries of all systems are numbered
     *        in the order they arrived)
     */
    public record KeyCount(int deliveries, int accepted, long firstSequence) {
    }

    /**
     * Every delivery to one system, counted.
     *
     * @param deliveries all of them
     * @param refused those answered other than 2xx
     * @param withoutKey those without an {@code Idempotency-Key}
     * @param first when the first arrived, null before any
     * @param last when the last arrived, null before any
     * @param keys the deliveries by {@code Idempotency-Key}
     */
    public record Tally(long deliveries, long refused, long withoutKey, Instant first, Instant last, Map<String, KeyCount> keys) {
    }

    /** A system's behaviour as set, and when a time-boxed one ends. */
    private record Rule(int status, Integer times, Instant until) {
    }

    private static final class Counts {
        long deliveries;
        long refused;
        long withoutKey;
        Instant first;
        Instant last;
        final Map<String, KeyCount> keys = new HashMap<>();
    }

    private final Clock clock;
    private final Map<String, Deque<Map<String, Object>>> deliveries = new LinkedHashMap<>();
    private final Map<String, Rule> rules = new LinkedHashMap<>();
    private final Map<String, Counts> counts = new LinkedHashMap<>();
    private long sequence;

    public DeliveryRecorder() {
        this(Clock.systemUTC());
    }

    DeliveryRecorder(Clock clock) {
        this.clock = clock;
        SYSTEMS.forEach(system -> deliveries.put(system, new ArrayDeque<>()));
        clear();
    }

    /**
     * Records one delivery and decides its answer.
     *
     * @param headers the request headers, names in lower case; an Authorization value is masked
     * @param body the raw body: kept as JSON when it parses, else as text
     * @return the recorded delivery, with the status to answer in {@code answer}
     */
    public Map<String, Object> record(String system, String method, Map<String, String> headers, String body) {
        Map<String, String> recordedHeaders = new LinkedHashMap<>(headers);
        recordedHeaders.computeIfPresent("authorization", (name, value) -> value.replaceAll("\\s.*", " ***"));
        Object parsed = parse(body);
        String key = headers.get("idempotency-key");
        synchronized (this) {
            Deque<Map<String, Object>> received = deliveries(system);
            Instant now = clock.instant();
            int answer = nextAnswer(system, now);
            Map<String, Object> delivery = new LinkedHashMap<>();
            delivery.put("sequence", ++sequence);
            delivery.put("system", system);
            delivery.put("receivedAt", now.toString());
            delivery.put("method", method);
            delivery.put("idempotencyKey", key);
            delivery.put("headers", recordedHeaders);
            delivery.put("body", parsed);
            delivery.put("answer", answer);
            received.addLast(delivery);
            while (received.size() > KEPT) {
                received.removeFirst();
            }
            count(counts.get(system), key, answer / 100 == 2, now);
            return delivery;
        }
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
        if (behaviour.seconds() != null && behaviour.seconds() < 1) {
            throw SimulatorException.badRequest("seconds must be at least 1, or left out for \"until changed\".");
        }
        if (behaviour.times() != null && behaviour.seconds() != null) {
            throw SimulatorException.badRequest("Give times or seconds, not both.");
        }
        Instant now = clock.instant();
        rules.put(system, new Rule(behaviour.status(), behaviour.times(),
                behaviour.seconds() == null ? null : now.plusSeconds(behaviour.seconds())));
        return behaviour(system, now);
    }

    /** How a system answers now; {@code seconds} is what is left of a time-boxed behaviour. */
    public synchronized Behaviour behaviour(String system) {
        deliveries(system);
        return behaviour(system, clock.instant());
    }

    /** Answers 200 again on every system. */
    public synchronized void resetBehaviours() {
        SYSTEMS.forEach(system -> rules.put(system, new Rule(200, null, null)));
    }

    /** Forgets every delivery and answers 200 again on every system. */
    public synchronized void clear() {
        deliveries.values().forEach(Deque::clear);
        SYSTEMS.forEach(system -> counts.put(system, new Counts()));
        resetBehaviours();
    }

    /** Every delivery to a system since the start or the last {@link #clear}, counted by idempotency key. */
    public synchronized Tally tally(String system) {
        deliveries(system);
        Counts each = counts.get(system);
        return new Tally(each.deliveries, each.refused, each.withoutKey, each.first, each.last, Map.copyOf(each.keys));
    }

    /**
     * How often each {@code Idempotency-Key} that starts with {@code prefix} arrived at a system, counted over every
     * delivery since the start or the last {@link #clear} (not only the newest {@value #KEPT}), keys in order.
     */
    public synchronized Map<String, KeyCount> keys(String system, String prefix) {
        deliveries(system);
        Map<String, KeyCount> keys = new java.util.TreeMap<>();
        counts.get(system).keys.forEach((key, count) -> {
            if (key.startsWith(prefix)) {
                keys.put(key, count);
            }
        });
        return keys;
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

    private int nextAnswer(String system, Instant now) {
        Rule rule = current(system, now);
        if (rule.times() != null) {
            rules.put(system, rule.times() > 1 ? new Rule(rule.status(), rule.times() - 1, null) : new Rule(200, null, null));
        }
        return rule.status();
    }

    /** The system's rule, back to 200 once a time-boxed one has ended. */
    private Rule current(String system, Instant now) {
        Rule rule = rules.get(system);
        if (rule.until() != null && !now.isBefore(rule.until())) {
            rule = new Rule(200, null, null);
            rules.put(system, rule);
        }
        return rule;
    }

    private Behaviour behaviour(String system, Instant now) {
        Rule rule = current(system, now);
        Integer seconds = rule.until() == null ? null
                : (int) Math.max(1, (Duration.between(now, rule.until()).toMillis() + 999) / 1000);
        return new Behaviour(rule.status(), rule.times(), seconds);
    }

    private void count(Counts each, String key, boolean accepted, Instant now) {
        each.deliveries++;
        if (!accepted) {
            each.refused++;
        }
        if (each.first == null) {
            each.first = now;
        }
        each.last = now;
        if (key == null) {
            each.withoutKey++;
            return;
        }
        KeyCount earlier = each.keys.get(key);
        each.keys.put(key, earlier == null ? new KeyCount(1, accepted ? 1 : 0, sequence)
                : new KeyCount(earlier.deliveries() + 1, earlier.accepted() + (accepted ? 1 : 0), earlier.firstSequence()));
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
