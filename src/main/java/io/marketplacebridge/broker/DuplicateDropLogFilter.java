package io.marketplacebridge.broker;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.Marker;

/**
 * Keeps Artemis's AMQ222059 ("Duplicate message detected … Message information: …") out of the log. The bridge
 * relies on duplicate detection on purpose (Microsoft's webhook retries, a landing page reload), so the drop is
 * routine, and the WARN prints the whole message, buyers' names and emails included. Installed by
 * DuplicateDropLogFilterInstaller; every other broker message is logged as usual.
 */
public class DuplicateDropLogFilter extends TurboFilter {

    private static final String ARTEMIS = "org.apache.activemq.artemis";
    private static final String DUPLICATE = "AMQ222059";

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        if (format != null && logger.getName().startsWith(ARTEMIS) && format.contains(DUPLICATE)) {
            return FilterReply.DENY;
        }
        return FilterReply.NEUTRAL;
    }
}
