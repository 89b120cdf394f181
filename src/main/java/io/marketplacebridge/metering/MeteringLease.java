package io.marketplacebridge.metering;

import static io.marketplacebridge.registry.StoreTimes.instant;
import static io.marketplacebridge.registry.StoreTimes.utc;

import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.camel.Variable;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The reporting lease (table {@code metering_lease}; docs/architecture.md §14): one report run, of one bridge
 * instance, sends batches at a time. A run takes the lease with a conditional UPDATE (free, or expired), renews it
 * before every batch and gives it back at its end. A run that dies keeps it until it expires
 * ({@code bridge.metering.lease}); the next run then sends again what the dead one left submitted.
 */
@Component
public class MeteringLease {

    private final JdbcTemplate jdbc;
    private final MeteringProperties properties;
    private final Clock clock;
    private final String instance;

    public MeteringLease(JdbcTemplate jdbc, MeteringProperties properties, Clock meteringClock,
            @Value("${camel.main.name:marketplace-bridge}") String name) {
        this.jdbc = jdbc;
        this.properties = properties;
        this.clock = meteringClock;
        this.instance = name + " " + ManagementFactory.getRuntimeMXBean().getName();
    }

    /**
     * Starts a report run: {@code {"leased": true, "runId", "instance", "startedAt", "batches": 0, ...}} when this run
     * holds the lease now, else {@code {"leased": false, "heldBy", "until"}}.
     */
    public Map<String, Object> acquire() {
        Instant now = clock.instant();
        String runId = UUID.randomUUID().toString();
        int taken = jdbc.update("UPDATE metering_lease SET holder = ?, instance = ?, expires_at = ? WHERE name = 'report'"
                + " AND (holder IS NULL OR expires_at <= ?)", runId, instance, utc(now.plus(properties.lease())), utc(now));
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("leased", taken == 1);
        if (taken == 1) {
            report.put("runId", runId);
            report.put("instance", instance);
            report.put("startedAt", now.toString());
            for (String count : List.of("batches", "hours", "reported", "refused", "retried")) {
                report.put(count, 0);
            }
        } else {
            jdbc.query("SELECT instance, expires_at FROM metering_lease WHERE name = 'report'", rs -> {
                report.put("heldBy", rs.getString("instance"));
                report.put("until", instant(rs, "expires_at").toString());
            });
        }
        return report;
    }

    /** Extends the run's lease before a batch; false when the run lost it (it expired and another run took it). */
    public boolean renew(@Variable("report") Map<String, Object> report) {
        return jdbc.update("UPDATE metering_lease SET expires_at = ? WHERE name = 'report' AND holder = ?",
                utc(clock.instant().plus(properties.lease())), report.get("runId")) == 1;
    }

    /** Gives the lease back at the end of the run. */
    public void release(@Variable("report") Map<String, Object> report) {
        jdbc.update("UPDATE metering_lease SET holder = NULL, instance = NULL, expires_at = ? WHERE name = 'report' AND holder = ?",
                utc(clock.instant()), report.get("runId"));
    }
}
