package io.marketplacebridge.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

/** The in-order consumers yield to a busy webhook intake, and never stop. */
class IntakeFirstTest {

    private final DefaultCamelContext camel = new DefaultCamelContext();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    private IntakeFirst gate(int busyAt, int whileBusy, Duration hold) {
        return new IntakeFirst(new IntakeFirstProperties(busyAt, whileBusy, hold), meters);
    }

    private Exchange message() {
        return new DefaultExchange(camel);
    }

    private CompletableFuture<Exchange> begin(IntakeFirst gate) {
        Exchange exchange = message();
        return CompletableFuture.supplyAsync(() -> {
            gate.processingBegins(exchange);
            return exchange;
        });
    }

    @Test
    void whileTheIntakeIsBusyOnlyTheConfiguredNumberOfMessagesStartTheOthersWaitForOneToEnd() throws Exception {
        IntakeFirst gate = gate(2, 2, Duration.ofMinutes(1));
        gate.intakeBegins();
        gate.intakeBegins();
        assertThat(gate.busy()).isTrue();

        Exchange first = begin(gate).get(5, TimeUnit.SECONDS);
        begin(gate).get(5, TimeUnit.SECONDS);
        CompletableFuture<Exchange> third = begin(gate);
        await(() -> gate.yielding() == 1);
        assertThat(third).isNotDone();
        assertThat(meters.get("bridge.processing.yielding").gauge().value()).isEqualTo(1.0);
        assertThat(meters.get("bridge.webhook.in.intake").gauge().value()).isEqualTo(2.0);

        gate.processingEnds(first);
        assertThat(third.get(5, TimeUnit.SECONDS)).isNotNull();
        assertThat(gate.yielding()).isZero();
    }

    @Test
    void waitingMessagesStartOnceTheIntakeIsQuietAgain() throws Exception {
        IntakeFirst gate = gate(2, 1, Duration.ofMillis(50));
        gate.intakeBegins();
        gate.intakeBegins();
        begin(gate).get(5, TimeUnit.SECONDS);
        CompletableFuture<Exchange> second = begin(gate);
        await(() -> gate.yielding() == 1);

        gate.intakeEnds();
        gate.intakeEnds();
        // Nothing ended, but the intake is no longer busy once the hold is over.
        assertThat(second.get(5, TimeUnit.SECONDS)).isNotNull();
        assertThat(gate.busy()).isFalse();
    }

    @Test
    void aQuietIntakeOrBusyAtZeroHoldsNothingBack() throws Exception {
        IntakeFirst quiet = gate(2, 1, Duration.ofMinutes(1));
        quiet.intakeBegins();
        IntakeFirst off = gate(0, 1, Duration.ofMinutes(1));
        IntStream.range(0, 5).forEach(i -> off.intakeBegins());
        assertThat(off.busy()).isFalse();
        for (IntakeFirst gate : new IntakeFirst[] {quiet, off}) {
            CompletableFuture<?>[] all = IntStream.range(0, 20).mapToObj(i -> begin(gate)).toArray(CompletableFuture[]::new);
            CompletableFuture.allOf(all).get(5, TimeUnit.SECONDS);
            assertThat(gate.yielding()).isZero();
        }
    }

    @Test
    void aMessageThatNeverStartedThroughTheGateDoesNotFreeATurn() throws Exception {
        IntakeFirst gate = gate(1, 1, Duration.ofMinutes(1));
        gate.intakeBegins();
        begin(gate).get(5, TimeUnit.SECONDS);
        CompletableFuture<Exchange> second = begin(gate);
        await(() -> gate.yielding() == 1);
        gate.processingEnds(message());
        Thread.sleep(100);
        assertThat(second).isNotDone();
    }

    private static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within 5 s").isLessThan(end);
            Thread.sleep(5);
        }
    }
}
