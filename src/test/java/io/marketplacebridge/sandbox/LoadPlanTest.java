package io.marketplacebridge.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A load's plan: the mix it was asked for, and sequences Microsoft could have produced, without HTTP. */
class LoadPlanTest {

    private static final Map<String, Double> MIX = Map.of("Renew", 0.4, "ChangeQuantity", 0.25, "ChangePlan", 0.15,
            "Suspend", 0.1, "Reinstate", 0.1);

    @Test
    void hasExactlyTheMixAskedFor() {
        LoadPlan plan = LoadPlan.of(5000, 10_000, MIX, 1);

        assertThat(plan.subscriptions()).hasSize(5000);
        assertThat(plan.steps()).hasSize(10_000);
        assertThat(plan.steps().stream().filter(step -> step.action().equals("Renew"))).hasSize(4000);
        assertThat(plan.steps().stream().filter(step -> step.action().equals("ChangeQuantity"))).hasSize(2500);
        assertThat(plan.steps().stream().filter(step -> step.action().equals("ChangePlan"))).hasSize(1500);
        assertThat(plan.steps().stream().filter(step -> step.action().equals("Suspend"))).hasSize(1000);
        assertThat(plan.steps().stream().filter(step -> step.action().equals("Reinstate"))).hasSize(1000);
        assertThat(LoadPlan.counts(7, Map.of("Renew", 1.0, "Suspend", 1.0))).containsEntry("Renew", 4)
                .containsEntry("Suspend", 3).containsEntry("Reinstate", 0);
    }

    @Test
    void everySubscriptionsSequenceIsOneMicrosoftCouldSend() {
        for (int subscriptions : List.of(1, 3, 50)) {
            LoadPlan plan = LoadPlan.of(subscriptions, 600, MIX, 7);

            List<String> errors = replay(plan);

            assertThat(errors).as(subscriptions + " subscriptions").isEmpty();
        }
    }

    @Test
    void theSameSeedGivesTheSamePlan() {
        assertThat(LoadPlan.of(20, 200, MIX, 42)).isEqualTo(LoadPlan.of(20, 200, MIX, 42));
        assertThat(LoadPlan.of(20, 200, MIX, 42)).isNotEqualTo(LoadPlan.of(20, 200, MIX, 43));
    }

    @Test
    void refusesAMixItCannotPlace() {
        assertThatThrownBy(() -> LoadPlan.of(10, 10, Map.of("Reinstate", 1.0, "Suspend", 0.5), 1))
                .isInstanceOfSatisfying(SimulatorException.class, refusal -> assertThat(refusal.getStatus()).isEqualTo(400))
                .hasMessageContaining("at least as many Suspend as Reinstate");
        assertThatThrownBy(() -> LoadPlan.of(10, 10, Map.of("Transfer", 1.0), 1)).hasMessageContaining("not Transfer");
        assertThatThrownBy(() -> LoadPlan.of(10, 10, Map.of("Renew", -1.0), 1)).hasMessageContaining("at least 0");
        assertThatThrownBy(() -> LoadPlan.of(10, 10, Map.of("Renew", 0.0), 1)).hasMessageContaining("above 0");
        assertThatThrownBy(() -> LoadPlan.of(2, 10, Map.of("Suspend", 1.0, "Renew", 1.0), 1))
                .hasMessageContaining("every subscription is suspended");
    }

    /** Plays the plan on the subscriptions' state as Microsoft keeps it, and says what Microsoft would refuse. */
    private static List<String> replay(LoadPlan plan) {
        List<String> errors = new ArrayList<>();
        int count = plan.subscriptions().size();
        String[] status = new String[count];
        String[] planId = new String[count];
        int[] quantity = new int[count];
        for (int i = 0; i < count; i++) {
            status[i] = "Subscribed";
            planId[i] = plan.subscriptions().get(i).planId();
            quantity[i] = plan.subscriptions().get(i).quantity();
        }
        for (LoadPlan.Step step : plan.steps()) {
            int i = step.subscription();
            String expected = step.action().equals("Reinstate") ? "Suspended" : "Subscribed";
            if (!status[i].equals(expected)) {
                errors.add(step + " while " + status[i]);
            }
            switch (step.action()) {
                case "ChangePlan" -> {
                    if (step.planId().equals(planId[i]) || step.quantity() != quantity[i]) {
                        errors.add(step + " changes no plan or another value on " + planId[i]);
                    }
                }
                case "ChangeQuantity" -> {
                    if (step.quantity() == quantity[i] || step.quantity() < 1 || step.quantity() > 100
                            || !step.planId().equals(planId[i])) {
                        errors.add(step + " changes no quantity or another value from " + quantity[i]);
                    }
                }
                case "Suspend" -> status[i] = "Suspended";
                case "Reinstate" -> status[i] = "Subscribed";
                default -> {
                    if (!step.planId().equals(planId[i]) || step.quantity() != quantity[i]) {
                        errors.add(step + " changes the subscription");
                    }
                }
            }
            planId[i] = step.planId();
            quantity[i] = step.quantity();
        }
        return errors;
    }
}
