package io.marketplacebridge.webhook;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.camel.Exchange;
import org.apache.camel.Route;
import org.apache.camel.spi.RoutePolicy;
import org.apache.camel.support.RoutePolicySupport;
import org.springframework.stereotype.Component;

/**
 * The webhook's answer first (docs/architecture.md "The webhook's answer first"). On two cores the intake of
 * Microsoft's webhooks shares the CPU with the processing of what it took in a moment before, and in a burst the
 * processing took most of it: webhooks waited for the CPU to be answered. While the intake is busy (at least
 * {@code busyAt} webhook requests in it at once, and for {@code hold} after), at most {@code processingWhileBusy}
 * messages of the in-order queues are worked on at once; a consumer that takes one more waits before it starts, its
 * message still in its transaction. The processing goes on at that pace and catches up once the intake is quiet.
 * The acknowledgement lane is not held back: a change is still answered inside Microsoft's 10 seconds.
 * <p>
 * Two route policies: {@link #webhookIntakeLoad()} on {@code webhook-intake} counts the requests in the intake,
 * {@link #yieldToIntake()} on the in-order consumers' routes waits for its turn.
 */
@Component
public class IntakeFirst {

    private static final String COUNTED = "bridgeIntakeFirstCounted";
    private static final long RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final IntakeFirstProperties properties;
    private final long holdNanos;
    private final AtomicInteger inIntake = new AtomicInteger();
    private volatile long busyUntil = System.nanoTime() - 1;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition turn = lock.newCondition();
    private int working;
    private final AtomicInteger waiting = new AtomicInteger();
    private final RoutePolicy intakeLoad = new IntakeLoad();
    private final RoutePolicy yieldToIntake = new YieldToIntake();

    public IntakeFirst(IntakeFirstProperties properties, MeterRegistry meters) {
        this.properties = properties;
        this.holdNanos = properties.hold().toNanos();
        Gauge.builder("bridge.webhook.in.intake", inIntake, AtomicInteger::get)
                .description("Webhook requests in the intake at this moment").register(meters);
        Gauge.builder("bridge.processing.yielding", waiting, AtomicInteger::get)
                .description("In-order consumers waiting for the busy webhook intake before they start a message")
                .register(meters);
    }

    /** The policy of {@code webhook-intake}: counts the requests in it. */
    public RoutePolicy webhookIntakeLoad() {
        return intakeLoad;
    }

    /** The policy of the in-order consumers' routes: waits while the intake is busy and enough others work. */
    public RoutePolicy yieldToIntake() {
        return yieldToIntake;
    }

    /** Whether the intake is busy now. */
    public boolean busy() {
        int busyAt = properties.busyAt();
        return busyAt > 0 && (inIntake.get() >= busyAt || System.nanoTime() - busyUntil < 0);
    }

    /** Consumers waiting for their turn at this moment. */
    public int yielding() {
        return waiting.get();
    }

    void intakeBegins() {
        inIntake.incrementAndGet();
    }

    /** The intake stays busy for {@code hold} after it fell below {@code busyAt}. */
    void intakeEnds() {
        if (inIntake.getAndDecrement() >= properties.busyAt()) {
            busyUntil = System.nanoTime() + holdNanos;
        }
    }

    /** Waits, unless stopping, while the intake is busy and {@code processingWhileBusy} others are working. */
    void processingBegins(Exchange exchange) {
        lock.lock();
        try {
            boolean counted = false;
            while (busy() && working >= properties.processingWhileBusy() && !exchange.getContext().isStopping()) {
                if (!counted) {
                    waiting.incrementAndGet();
                    counted = true;
                }
                try {
                    turn.awaitNanos(RECHECK_NANOS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            if (counted) {
                waiting.decrementAndGet();
            }
            working++;
            exchange.setProperty(COUNTED, Boolean.TRUE);
        } finally {
            lock.unlock();
        }
    }

    void processingEnds(Exchange exchange) {
        if (exchange.removeProperty(COUNTED) == null) {
            return;
        }
        lock.lock();
        try {
            working--;
            turn.signal();
        } finally {
            lock.unlock();
        }
    }

    private final class IntakeLoad extends RoutePolicySupport {
        @Override
        public void onExchangeBegin(Route route, Exchange exchange) {
            intakeBegins();
        }

        @Override
        public void onExchangeDone(Route route, Exchange exchange) {
            intakeEnds();
        }
    }

    private final class YieldToIntake extends RoutePolicySupport {
        @Override
        public void onExchangeBegin(Route route, Exchange exchange) {
            processingBegins(exchange);
        }

        @Override
        public void onExchangeDone(Route route, Exchange exchange) {
            processingEnds(exchange);
        }
    }
}
