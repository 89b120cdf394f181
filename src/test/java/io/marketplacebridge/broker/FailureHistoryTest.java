package io.marketplacebridge.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.marketplacebridge.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The bridge counts a message's attempts by the ones that failed here, not by the broker's delivery count. */
class FailureHistoryTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T10:00:00Z"));
    private final FailureHistory history = new FailureHistory(clock);

    @Test
    void attemptsCountTheFailuresOfThisMessageAndIgnoreTheBrokersDeliveryCount() {
        assertThat(history.attempt("ID:a", 7)).isEqualTo(1);
        history.failed("ID:a");
        history.failed("ID:a");
        history.failed("ID:b");

        assertThat(history.attempt("ID:a", 12)).isEqualTo(3);
        assertThat(history.attempt("ID:b", 1)).isEqualTo(2);
        assertThat(history.attempt("ID:c", 4)).isEqualTo(1);
    }

    @Test
    void aMessageWithoutAnIdCountsByItsDeliveryCount() {
        assertThat(history.attempt(null, 4)).isEqualTo(4);
        assertThat(history.attempt(null, null)).isEqualTo(1);
    }

    @Test
    void aDeadLetterCarriesItsFirstFailureAndAReplayStartsAgainAtTheFirstAttempt() {
        history.failed("ID:a");
        clock.advance(Duration.ofSeconds(30));
        history.failed("ID:a");

        assertThat(history.deadLettered("ID:a", "2026-12-01T10:01:00.000Z")).startsWith("2026-12-01T10:00:00.000");
        assertThat(history.attempt("ID:a", 9)).isEqualTo(1);
        assertThat(history.deadLettered("ID:never-failed", "2026-12-01T10:02:00.000Z")).isEqualTo("2026-12-01T10:02:00.000Z");
    }
}
