package io.marketplacebridge.registry;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * How every store class writes and reads a time: {@code TIMESTAMP WITH TIME ZONE} columns, written in UTC, read back
 * as an instant and shown as ISO-8601 text (the registry's, operations', usage hours', reconciliation runs' and
 * acknowledgements' tables alike, on H2 and PostgreSQL).
 */
public final class StoreTimes {

    private StoreTimes() {
    }

    /** The instant as the value of a time column. */
    public static OffsetDateTime utc(Instant instant) {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }

    /** Now, by this clock, as the value of a time column. */
    public static OffsetDateTime now(Clock clock) {
        return utc(clock.instant());
    }

    /** The time column's instant, {@code null} where the column is. */
    public static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime time = rs.getObject(column, OffsetDateTime.class);
        return time == null ? null : time.toInstant();
    }

    /** The time column as ISO-8601 text in UTC ({@code 2026-12-01T10:00:00Z}), {@code null} where the column is. */
    public static String iso(ResultSet rs, String column) throws SQLException {
        Instant time = instant(rs, column);
        return time == null ? null : time.toString();
    }
}
