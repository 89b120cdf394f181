package io.marketplacebridge.sandbox;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A load for benchmarks and fault tests, in the standalone simulator ({@code /sandbox/load}, docs/simulator.md):
 * many {@code Subscribed} subscriptions and their notifications, made on Microsoft's side at once ({@link LoadPlan})
 * and sent later, by an outside tool from the prepared lines or by the simulator itself as Microsoft sends them; then
 * a report of what reached whom: the webhook calls, the bridge's acknowledgements (Update Operation), and each
 * recording system's deliveries, counted by {@code Idempotency-Key} (the bridge's event id, here the operation id).
 */
class SimulatedLoad {

    /** What {@code POST /sandbox/load/prepare} asks for; a field left out takes its default. */
    record Request(Integer subscriptions, Integer notifications, Map<String, Double> mix, Duration tokenLifetime, Long seed) {
    }

    /**
     * {@code GET /sandbox/load/report}. Times are epoch milliseconds, null when nothing happened yet.
     *
     * @param subscriptions the load's subscriptions
     * @param notifications the prepared notifications
     * @param webhooks the simulator's own webhook calls ({@code /sandbox/load/send})
     * @param acknowledgements every operation that waits for the bridge's Update Operation, in sending order
     * @param provisioning what the provisioning recorder received
     * @param billing what the billing recorder received
     * @param crm what the CRM recorder received
     * @param metering what the metering API received
     */
    record Report(int subscriptions, Notifications notifications, Webhooks webhooks, List<Acknowledgement> acknowledgements,
            Deliveries provisioning, Deliveries billing, Deliveries crm, Metering metering) {
    }

    /**
     * @param count all of them
     * @param actions how many of each action
     */
    record Notifications(int count, Map<String, Long> actions) {
    }

    /**
     * @param sent notifications called at least once
     * @param acknowledged notifications the bridge answered 2xx
     * @param attempts calls, retries included
     * @param retrying notifications whose last call failed and that are called again after the back-off
     * @param givenUp notifications the policy gave up on
     */
    record Webhooks(long sent, long acknowledged, long attempts, long retrying, long givenUp) {
    }

    /**
     * @param operationId the operation (and the notification's {@code id})
     * @param action ChangePlan, ChangeQuantity or Reinstate
     * @param sentAt when the simulator first called the webhook with it, null if it did not
     * @param firstPatchAt when its first Update Operation was handled (after {@code api-latency}), null if none came
     * @param patches how many came: more than one is a repeat
     */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    record Acknowledgement(String operationId, String action, Long sentAt, Long firstPatchAt, int patches) {
    }

    /**
     * One system's deliveries, by {@code Idempotency-Key}.
     *
     * @param deliveries every delivery
     * @param refused those answered other than 2xx (a behaviour set on the recorder)
     * @param distinctKeys how many idempotency keys
     * @param repeated deliveries repeating a key that arrived before
     * @param acceptedRepeats deliveries of a key that was answered 2xx before: the system took it twice
     * @param firstAt when the first arrived
     * @param lastAt when the last arrived
     * @param neverDelivered notifications whose operation id no delivery answered 2xx carried
     * @param unknownKeys idempotency keys that are no notification's operation id ({@code purchase:…},
     *        {@code snapshot:…}, …)
     * @param outOfOrder notifications whose event first arrived after that of a later operation of the same
     *        subscription
     */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    record Deliveries(long deliveries, long refused, long distinctKeys, long repeated, long acceptedRepeats, Long firstAt,
            Long lastAt, long neverDelivered, long unknownKeys, long outOfOrder) {
    }

    /**
     * @param usageEvents usage events received, refused ones included
     * @param accepted those accepted
     * @param hoursReportedMoreThanOnce (resource, dimension, hour) reported more than once
     */
    record Metering(long usageEvents, long accepted, long hoursReportedMoreThanOnce) {
    }

    static final int MAX_SUBSCRIPTIONS = 100_000;
    static final int MAX_NOTIFICATIONS = 200_000;
    static final int MAX_CONCURRENCY = 256;
    static final Map<String, Double> DEFAULT_MIX = Map.of("Renew", 0.4, "ChangeQuantity", 0.25, "ChangePlan", 0.15,
            "Suspend", 0.1, "Reinstate", 0.1);
    /** The actions the bridge acknowledges with Update Operation (docs/marketplace-contract.md §5.2). */
    private static final Set<String> ACKNOWLEDGED = Set.of("ChangePlan", "ChangeQuantity", "Reinstate");
    private static final Duration MAX_TOKEN_LIFETIME = Duration.ofHours(24);
    /** A prepared token this close to its end is not sent: a fresh one is. */
    private static final Duration TOKEN_MARGIN = Duration.ofMinutes(1);
    private static final Logger LOG = LoggerFactory.getLogger(SimulatedLoad.class);

    /** One prepared notification, and what became of the simulator's calls with it. */
    static final class Notification {
        final String operationId;
        final String subscriptionId;
        final String action;
        final String body;
        final String token;
        final Instant tokenExpiresAt;
        volatile int attempts;
        volatile SandboxWebhookSender.Outcome outcome;
        volatile Instant firstSentAt;

        Notification(String operationId, String subscriptionId, String action, String body, String token, Instant tokenExpiresAt) {
            this.operationId = operationId;
            this.subscriptionId = subscriptionId;
            this.action = action;
            this.body = body;
            this.token = token;
            this.tokenExpiresAt = tokenExpiresAt;
        }

        /** The line of the prepared file: operation id, the bearer token (without "Bearer "), the body; tab-separated. */
        String line() {
            return operationId + '\t' + token + '\t' + body;
        }
    }

    private final SandboxMarketplace marketplace;
    private final SandboxEntraId entraId;
    private final SandboxWebhookSender sender;
    private final DeliveryRecorder recorder;
    private final SandboxMetering metering;
    private final Clock clock = Clock.systemUTC();

    private int subscriptions;
    private List<Notification> notifications = List.of();
    private Map<String, Notification> byOperationId = Map.of();
    /** Each subscription's notifications, in the order their operations were made. */
    private Map<String, List<Notification>> bySubscription = Map.of();
    private ExecutorService sending;
    private final AtomicLong attempts = new AtomicLong();

    SimulatedLoad(SandboxMarketplace marketplace, SandboxEntraId entraId, SandboxWebhookSender sender,
            DeliveryRecorder recorder, SandboxMetering metering) {
        this.marketplace = marketplace;
        this.entraId = entraId;
        this.sender = sender;
        this.recorder = recorder;
        this.metering = metering;
    }

    /**
     * Makes the load's subscriptions and operations at the marketplace and signs a token for each notification;
     * sends nothing.
     *
     * @return the notifications in sending order
     * @throws SimulatorException 400 for a request out of bounds, 409 when a load is prepared already
     */
    synchronized List<Notification> prepare(Request request) {
        if (!notifications.isEmpty()) {
            throw SimulatorException.conflict("A load is prepared already: POST /sandbox/load/reset first.");
        }
        int subscriptionCount = within("subscriptions", request.subscriptions(), 100, 1, MAX_SUBSCRIPTIONS);
        int notificationCount = within("notifications", request.notifications(), 1000, 1, MAX_NOTIFICATIONS);
        Duration lifetime = request.tokenLifetime() == null ? Duration.ofHours(1) : request.tokenLifetime();
        if (lifetime.compareTo(TOKEN_MARGIN) <= 0 || lifetime.compareTo(MAX_TOKEN_LIFETIME) > 0) {
            throw SimulatorException.badRequest("tokenLifetime must be more than PT1M and at most PT24H.");
        }
        LoadPlan plan = LoadPlan.of(subscriptionCount, notificationCount, request.mix() == null ? DEFAULT_MIX : request.mix(),
                request.seed() == null ? 1 : request.seed());

        List<String> ids = plan.subscriptions().stream()
                .map(start -> marketplace.subscribed(start.planId(), start.quantity()))
                .toList();
        List<Map<String, Object>> bodies = plan.steps().stream()
                .map(step -> SandboxWebhooks.notification(marketplace.startPlannedOnMicrosoftSide(ids.get(step.subscription()),
                        step.action(), step.planId(), step.quantity())))
                .toList();
        Instant expiresAt = clock.instant().plus(lifetime);
        // Signing is most of the work: on every core.
        String[] tokens = IntStream.range(0, bodies.size()).parallel().mapToObj(each -> entraId.webhookToken(lifetime))
                .toArray(String[]::new);
        List<Notification> prepared = new ArrayList<>();
        Map<String, Notification> byId = new LinkedHashMap<>();
        Map<String, List<Notification>> bySubscriptionId = new LinkedHashMap<>();
        for (int i = 0; i < bodies.size(); i++) {
            Map<String, Object> body = bodies.get(i);
            Notification notification = new Notification((String) body.get("id"), (String) body.get("subscriptionId"),
                    (String) body.get("action"), SandboxWebhookSender.json(body), tokens[i], expiresAt);
            prepared.add(notification);
            byId.put(notification.operationId, notification);
            bySubscriptionId.computeIfAbsent(notification.subscriptionId, id -> new ArrayList<>()).add(notification);
        }
        subscriptions = subscriptionCount;
        notifications = List.copyOf(prepared);
        byOperationId = byId;
        bySubscription = bySubscriptionId;
        LOG.info("Load prepared: {} subscriptions, {} notifications {}", subscriptionCount, notificationCount,
                actions(notifications));
        return notifications;
    }

    /**
     * Sends every prepared notification to the bridge in the background, in sending order, {@code concurrency} calls
     * at a time, each retried as {@code bridge.simulator.webhook.*} says. {@code ordered} (the default) holds a
     * notification back until the one before it of the same subscription is answered 2xx or given up, so the
     * bridge takes each subscription's notifications in the order they were made; without it, calls for one
     * subscription overlap and may reach the bridge in another order.
     *
     * @return how many are sent
     * @throws SimulatorException 400 for a concurrency out of bounds, 409 when nothing is prepared or it is sent already
     */
    synchronized int send(Integer concurrency, Boolean ordered) {
        int threads = within("concurrency", concurrency, 16, 1, MAX_CONCURRENCY);
        if (notifications.isEmpty()) {
            throw SimulatorException.conflict("No load is prepared: POST /sandbox/load/prepare first.");
        }
        if (sending != null) {
            throw SimulatorException.conflict("The load is sent already: POST /sandbox/load/reset and prepare another.");
        }
        ExecutorService calls = Executors.newFixedThreadPool(threads, SandboxWebhookSender.daemon("load-webhooks"));
        sending = calls;
        Sending send = new Sending(calls, notifications.size(), ordered == null || ordered ? new HashMap<>() : null);
        for (Notification notification : notifications) {
            if (send.mayStart(notification)) {
                deliver(notification, send);
            }
        }
        LOG.info("Load sending: {} notifications, {} at a time{}", notifications.size(), threads,
                send.waiting == null ? "" : ", one at a time per subscription");
        return notifications.size();
    }

    /** One send: its calls, how many notifications are settled, and (ordered) each subscription's waiting ones. */
    private static final class Sending {
        final ExecutorService calls;
        final int total;
        final AtomicInteger settled = new AtomicInteger();
        /** By subscription: the notifications waiting for the one in flight; no entry when none is in flight. */
        final Map<String, Deque<Notification>> waiting;

        Sending(ExecutorService calls, int total, Map<String, Deque<Notification>> waiting) {
            this.calls = calls;
            this.total = total;
            this.waiting = waiting;
        }

        /** Whether the notification may be sent now; if not, it is sent once the one before it is settled. */
        boolean mayStart(Notification notification) {
            if (waiting == null) {
                return true;
            }
            synchronized (waiting) {
                Deque<Notification> behind = waiting.get(notification.subscriptionId);
                if (behind != null) {
                    behind.add(notification);
                    return false;
                }
                waiting.put(notification.subscriptionId, new ArrayDeque<>());
                return true;
            }
        }

        /** The subscription's next notification, now that one is settled; null when none waits. */
        Notification next(Notification settled) {
            if (waiting == null) {
                return null;
            }
            synchronized (waiting) {
                Notification next = waiting.get(settled.subscriptionId).poll();
                if (next == null) {
                    waiting.remove(settled.subscriptionId);
                }
                return next;
            }
        }
    }

    private void deliver(Notification notification, Sending send) {
        sender.deliver(notification.body, () -> token(notification), send.calls, (attempt, startedAt, status, error, outcome) -> {
            attempts.incrementAndGet();
            if (attempt == 1) {
                notification.firstSentAt = startedAt;
            }
            notification.attempts = attempt;
            notification.outcome = outcome;
            if (outcome == SandboxWebhookSender.Outcome.RETRYING) {
                return;
            }
            Notification next = send.next(notification);
            if (next != null) {
                deliver(next, send);
            }
            if (send.settled.incrementAndGet() == send.total) {
                send.calls.shutdown();
                LOG.info("Load sent: {} notifications, {} acknowledged by the bridge", send.total,
                        count(SandboxWebhookSender.Outcome.DELIVERED));
            }
        });
    }

    /** What happened so far: the notifications, the webhook calls, the acknowledgements, each system's deliveries, usage. */
    synchronized Report report() {
        SandboxMetering.Counts usage = metering.counts();
        return new Report(subscriptions, new Notifications(notifications.size(), actions(notifications)), webhooks(),
                acknowledgements(), deliveries(recorder.tally("provisioning")), deliveries(recorder.tally("billing")),
                deliveries(recorder.tally("crm")),
                new Metering(usage.usageEvents(), usage.accepted(), usage.hoursReportedMoreThanOnce()));
    }

    /** Stops sending and forgets everything: the load, the marketplace's subscriptions, deliveries and usage. */
    synchronized void reset() {
        if (sending != null) {
            sending.shutdownNow();
            sending = null;
        }
        attempts.set(0);
        subscriptions = 0;
        notifications = List.of();
        byOperationId = Map.of();
        bySubscription = Map.of();
        marketplace.clear();
        recorder.clear();
        metering.clear();
        sender.clear();
        LOG.info("Load reset");
    }

    private String token(Notification notification) {
        return clock.instant().plus(TOKEN_MARGIN).isBefore(notification.tokenExpiresAt) ? notification.token
                : entraId.webhookToken();
    }

    private Webhooks webhooks() {
        return new Webhooks(notifications.stream().filter(each -> each.attempts > 0).count(),
                count(SandboxWebhookSender.Outcome.DELIVERED), attempts.get(), count(SandboxWebhookSender.Outcome.RETRYING),
                count(SandboxWebhookSender.Outcome.GIVEN_UP));
    }

    private long count(SandboxWebhookSender.Outcome outcome) {
        return notifications.stream().filter(each -> each.outcome == outcome).count();
    }

    private List<Acknowledgement> acknowledgements() {
        List<Acknowledgement> acknowledgements = new ArrayList<>();
        for (Notification notification : notifications) {
            if (ACKNOWLEDGED.contains(notification.action)) {
                SandboxMarketplace.Patches patches = marketplace.patches(notification.subscriptionId, notification.operationId);
                acknowledgements.add(new Acknowledgement(notification.operationId, notification.action,
                        millis(notification.firstSentAt), millis(patches.first()), patches.count()));
            }
        }
        return acknowledgements;
    }

    private Deliveries deliveries(DeliveryRecorder.Tally tally) {
        Map<String, DeliveryRecorder.KeyCount> keys = tally.keys();
        long neverDelivered = notifications.stream()
                .filter(each -> keys.get(each.operationId) == null || keys.get(each.operationId).accepted() == 0)
                .count();
        return new Deliveries(tally.deliveries(), tally.refused(), keys.size(),
                tally.deliveries() - tally.withoutKey() - keys.size(),
                keys.values().stream().mapToLong(key -> Math.max(0, key.accepted() - 1)).sum(),
                millis(tally.first()), millis(tally.last()), neverDelivered,
                keys.keySet().stream().filter(key -> !byOperationId.containsKey(key)).count(), outOfOrder(keys));
    }

    /**
     * Notifications whose event first arrived after the event of a later operation of the same subscription: walking
     * each subscription's operations from the newest, one that arrived after the earliest arrival seen so far.
     */
    private long outOfOrder(Map<String, DeliveryRecorder.KeyCount> keys) {
        long outOfOrder = 0;
        for (List<Notification> sequence : bySubscription.values()) {
            long earliestLater = Long.MAX_VALUE;
            for (int i = sequence.size() - 1; i >= 0; i--) {
                DeliveryRecorder.KeyCount key = keys.get(sequence.get(i).operationId);
                if (key == null) {
                    continue;
                }
                if (key.firstSequence() > earliestLater) {
                    outOfOrder++;
                }
                earliestLater = Math.min(earliestLater, key.firstSequence());
            }
        }
        return outOfOrder;
    }

    private static Map<String, Long> actions(List<Notification> notifications) {
        Map<String, Long> actions = new LinkedHashMap<>();
        LoadPlan.ACTIONS.forEach(action -> actions.put(action,
                notifications.stream().filter(each -> each.action.equals(action)).count()));
        return actions;
    }

    private static int within(String field, Integer value, int otherwise, int min, int max) {
        int chosen = value == null ? otherwise : value;
        if (chosen < min || chosen > max) {
            throw SimulatorException.badRequest(field + " must be " + min + " to " + max + ".");
        }
        return chosen;
    }

    private static Long millis(Instant instant) {
        return instant == null ? null : instant.toEpochMilli();
    }
}
