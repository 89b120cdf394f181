package io.marketplacebridge.sandbox;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Duration;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * A fixed delay before the simulator answers ({@code bridge.simulator.api-latency}, {@code .downstream-latency}),
 * as a network and a remote service take. It waits before the handler runs, on the request's own thread, so no
 * lock of the simulator ({@link SandboxMarketplace} is synchronized) is held while it waits.
 */
class SimulatedLatency implements HandlerInterceptor {

    private final Duration latency;

    SimulatedLatency(Duration latency) {
        this.latency = latency;
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) throws InterruptedException {
        Thread.sleep(latency.toMillis());
        return true;
    }
}
