package io.marketplacebridge.broker;

import ch.qos.logback.classic.LoggerContext;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationPreparedEvent;
import org.springframework.context.ApplicationListener;

/**
 * Adds {@link DuplicateDropLogFilter} to Logback once Spring Boot has set logging up (registered in
 * META-INF/spring.factories), so Spring Boot's own console set-up, plain or structured
 * ({@code logging.structured.format.console=ecs}), stays as it is.
 */
public class DuplicateDropLogFilterInstaller implements ApplicationListener<ApplicationPreparedEvent> {

    @Override
    public void onApplicationEvent(ApplicationPreparedEvent event) {
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        if (factory instanceof LoggerContext logback
                && logback.getTurboFilterList().stream().noneMatch(DuplicateDropLogFilter.class::isInstance)) {
            DuplicateDropLogFilter filter = new DuplicateDropLogFilter();
            filter.start();
            logback.addTurboFilter(filter);
        }
    }
}
