package io.marketplacebridge.audit;

import jakarta.validation.constraints.NotNull;
import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * The audit trail ({@code bridge.audit.*}): every event as one JSON line in {@code audit-<yyyy-MM-dd>.jsonl}, a new
 * file each day (UTC), in this directory (routes/deliver-audit.camel.yaml).
 *
 * @param directory where the daily audit files are written; by default {@code audit} in the broker's data directory
 */
@Validated
@ConfigurationProperties("bridge.audit")
public record AuditProperties(@NotNull Path directory) {
}
