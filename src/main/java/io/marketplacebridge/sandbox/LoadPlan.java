package io.marketplacebridge.sandbox;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * What a load does on Microsoft's side, decided before anything is created: the subscriptions it starts with, and
 * its notifications in sending order, each a step of its subscription's sequence that is valid after the steps
 * before it (a {@code Reinstate} only for a subscription that a {@code Suspend} suspended; every other action only
 * for a {@code Subscribed} one; a quantity or plan other than the one the subscription will have). The same
 * arguments and seed give the same plan.
 *
 * @param subscriptions each subscription's plan and quantity at the start
 * @param steps the notifications in sending order
 */
record LoadPlan(List<Start> subscriptions, List<Step> steps) {

    /** The actions a load sends, in the order the mix is reported. */
    static final List<String> ACTIONS = List.of("Renew", "ChangeQuantity", "ChangePlan", "Suspend", "Reinstate");

    /** A ChangePlan moves between these two per-seat plans, which allow the same quantities (up to 100). */
    private static final List<String> PLANS = List.of("basic", "pro");
    private static final int MAX_QUANTITY = 100;

    /** A subscription at the start: {@code Subscribed}, on this plan with these seats. */
    record Start(String planId, int quantity) {
    }

    /**
     * One notification: the subscription (an index into {@link #subscriptions}), the action, and the plan and
     * quantity the subscription has after it (for a ChangePlan the new plan, a ChangeQuantity the new quantity).
     */
    record Step(int subscription, String action, String planId, int quantity) {
    }

    /**
     * Plans a load.
     *
     * @param mix each action's share of the notifications (any scale; only the actions of {@link #ACTIONS})
     * @throws SimulatorException 400 when the mix cannot be placed
     */
    static LoadPlan of(int subscriptions, int notifications, Map<String, Double> mix, long seed) {
        Map<String, Integer> remaining = counts(notifications, mix);
        if (remaining.get("Reinstate") > remaining.get("Suspend")) {
            throw SimulatorException.badRequest("A Reinstate follows a Suspend of the same subscription: the mix needs at"
                    + " least as many Suspend as Reinstate notifications.");
        }
        Random random = new Random(seed);
        List<Start> starts = new ArrayList<>();
        String[] plan = new String[subscriptions];
        int[] quantity = new int[subscriptions];
        List<Integer> subscribed = new ArrayList<>();
        List<Integer> suspended = new ArrayList<>();
        for (int i = 0; i < subscriptions; i++) {
            plan[i] = PLANS.get(random.nextInt(PLANS.size()));
            quantity[i] = 1 + random.nextInt(MAX_QUANTITY);
            starts.add(new Start(plan[i], quantity[i]));
            subscribed.add(i);
        }
        List<Step> steps = new ArrayList<>();
        for (int n = 0; n < notifications; n++) {
            String action = pick(remaining, subscribed.size(), suspended.size(), random);
            if (action == null) {
                throw SimulatorException.badRequest("The mix cannot be placed on " + subscriptions + " subscriptions: after "
                        + n + " notifications every subscription is suspended. Use more subscriptions or fewer Suspend.");
            }
            remaining.merge(action, -1, Integer::sum);
            boolean reinstate = "Reinstate".equals(action);
            int index = random.nextInt(reinstate ? suspended.size() : subscribed.size());
            int subscription = reinstate ? take(suspended, index) : subscribed.get(index);
            switch (action) {
                case "ChangePlan" -> plan[subscription] = PLANS.get(1 - PLANS.indexOf(plan[subscription]));
                // Another quantity from 1 to 100: the current one plus 1 to 99, around.
                case "ChangeQuantity" -> quantity[subscription] = 1 + (quantity[subscription]
                        + random.nextInt(MAX_QUANTITY - 1)) % MAX_QUANTITY;
                case "Suspend" -> suspended.add(take(subscribed, index));
                case "Reinstate" -> subscribed.add(subscription);
                default -> {
                }
            }
            steps.add(new Step(subscription, action, plan[subscription], quantity[subscription]));
        }
        return new LoadPlan(List.copyOf(starts), List.copyOf(steps));
    }

    /** How many notifications of each action: the shares of {@code notifications}, rounded by largest remainder. */
    static Map<String, Integer> counts(int notifications, Map<String, Double> mix) {
        double total = 0;
        for (Map.Entry<String, Double> share : mix.entrySet()) {
            if (!ACTIONS.contains(share.getKey())) {
                throw SimulatorException.badRequest("mix may name " + String.join(", ", ACTIONS) + "; not " + share.getKey() + ".");
            }
            if (share.getValue() == null || share.getValue() < 0 || share.getValue().isInfinite() || share.getValue().isNaN()) {
                throw SimulatorException.badRequest("Each share of mix must be a number of at least 0.");
            }
            total += share.getValue();
        }
        if (total <= 0) {
            throw SimulatorException.badRequest("mix needs at least one share above 0.");
        }
        Map<String, Integer> counts = new LinkedHashMap<>();
        Map<String, Double> remainders = new LinkedHashMap<>();
        int placed = 0;
        for (String action : ACTIONS) {
            double exact = notifications * mix.getOrDefault(action, 0.0) / total;
            counts.put(action, (int) Math.floor(exact));
            remainders.put(action, exact - Math.floor(exact));
            placed += (int) Math.floor(exact);
        }
        List<String> byRemainder = new ArrayList<>(ACTIONS);
        byRemainder.sort((a, b) -> Double.compare(remainders.get(b), remainders.get(a)));
        for (int i = 0; i < notifications - placed; i++) {
            counts.merge(byRemainder.get(i), 1, Integer::sum);
        }
        return counts;
    }

    /**
     * The next action, drawn by what is left of each: a Reinstate needs a suspended subscription, the others a
     * subscribed one; a Suspend keeps one subscription subscribed unless a Reinstate is still to come (else the
     * other actions could find none), and only when nothing else is left may it suspend the last one.
     */
    private static String pick(Map<String, Integer> remaining, int subscribed, int suspended, Random random) {
        String action = draw(remaining, subscribed, suspended, subscribed >= 2 || remaining.get("Reinstate") > 0, random);
        return action != null ? action : draw(remaining, subscribed, suspended, true, random);
    }

    private static String draw(Map<String, Integer> remaining, int subscribed, int suspended, boolean maySuspend,
            Random random) {
        Map<String, Integer> eligible = new LinkedHashMap<>();
        remaining.forEach((action, left) -> {
            boolean possible = switch (action) {
                case "Reinstate" -> suspended > 0;
                case "Suspend" -> subscribed > 0 && maySuspend;
                default -> subscribed > 0;
            };
            if (left > 0 && possible) {
                eligible.put(action, left);
            }
        });
        int total = eligible.values().stream().mapToInt(Integer::intValue).sum();
        if (total == 0) {
            return null;
        }
        int ticket = random.nextInt(total);
        for (Map.Entry<String, Integer> each : eligible.entrySet()) {
            ticket -= each.getValue();
            if (ticket < 0) {
                return each.getKey();
            }
        }
        throw new IllegalStateException("unreachable");
    }

    /** Removes the element at {@code index} in constant time (the order of the list does not matter). */
    private static int take(List<Integer> subscriptions, int index) {
        int taken = subscriptions.get(index);
        int last = subscriptions.remove(subscriptions.size() - 1);
        if (index < subscriptions.size()) {
            subscriptions.set(index, last);
        }
        return taken;
    }
}
