package io.marketplacebridge.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.TransactionException;

/**
 * The group commit keeps each caller's promise: a caller returns once its own write is in the store, one bad write in
 * a batch fails only its caller, and a store that is gone fails every waiting caller
 * instead of leaving it waiting. On the embedded store
 * in a file, as the bridge runs it.
 */
class StoreWritesTest {

    @TempDir
    Path dir;

    private HikariDataSource dataSource;
    private JdbcTemplate jdbc;
    private StoreWrites writes;
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final ExecutorService callers = Executors.newFixedThreadPool(32);

    @BeforeEach
    void store() {
        dataSource = new HikariDataSource();
        dataSource.setJdbcUrl(StoreConfiguration.embeddedUrl(dir.resolve("store")));
        dataSource.setUsername("bridge");
        dataSource.setPassword("");
        dataSource.setConnectionTimeout(1_000);
        jdbc = new JdbcTemplate(dataSource);
        jdbc.execute("CREATE TABLE entry (id VARCHAR(40) PRIMARY KEY, note VARCHAR(40) NOT NULL)");
        writes = new StoreWrites(new DataSourceTransactionManager(dataSource), meters);
    }

    @AfterEach
    void close() throws InterruptedException {
        callers.shutdownNow();
        writes.destroy();
        dataSource.close();
    }

    @Test
    void everyCallerReturnsOnceItsOwnWriteIsCommitted() throws Exception {
        List<Future<Integer>> calls = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            String id = "entry-" + i;
            calls.add(callers.submit(() -> {
                int written = writes.commit(() -> jdbc.update("INSERT INTO entry (id, note) VALUES (?, 'v') ON CONFLICT DO NOTHING", id));
                // Returned: committed, so another connection sees it.
                assertThat(new JdbcTemplate(dataSource).queryForObject("SELECT COUNT(*) FROM entry WHERE id = ?", Integer.class, id))
                        .isEqualTo(1);
                return written;
            }));
        }
        for (Future<Integer> call : calls) {
            assertThat(call.get(30, TimeUnit.SECONDS)).isEqualTo(1);
        }
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM entry", Integer.class)).isEqualTo(500);
    }

    @Test
    void aBadWriteFailsOnlyItsCallerAndTheOthersInItsBatchAreCommitted() throws Exception {
        CountDownLatch writerBusy = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        // Holds the writer while the next writes queue up, so that they are taken as one batch.
        Future<?> holding = callers.submit(() -> writes.commit(() -> {
            writerBusy.countDown();
            await(release);
        }));
        assertThat(writerBusy.await(10, TimeUnit.SECONDS)).isTrue();
        List<Future<?>> good = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String id = "good-" + i;
            good.add(callers.submit(() -> writes.commit(() -> jdbc.update("INSERT INTO entry (id, note) VALUES (?, 'v')", id))));
        }
        Future<?> bad = callers.submit(() -> writes.commit(() -> jdbc.update("INSERT INTO entry (id, note) VALUES ('bad', NULL)")));
        Thread.sleep(300);
        release.countDown();

        holding.get(10, TimeUnit.SECONDS);
        for (Future<?> call : good) {
            call.get(10, TimeUnit.SECONDS);
        }
        assertThatThrownBy(() -> bad.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(DataIntegrityViolationException.class);
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM entry WHERE id LIKE 'good-%'", Integer.class)).isEqualTo(20);
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM entry WHERE id = 'bad'", Integer.class)).isZero();
        // What an operator reads: the 21 queued writes were tried as one transaction, and one commit succeeded (the
        // holding write's; the failed batch's writes were then committed one by one).
        assertThat(meters.get("bridge.store.batch.writes").summary().max()).isEqualTo(21);
        assertThat(meters.get("bridge.store.batch.writes").summary().count()).isEqualTo(2);
        assertThat(meters.get("bridge.store.commits").timer().count()).isEqualTo(1);
    }

    @Test
    void aStoreThatIsGoneFailsEveryWaitingCallerAndNoneHangs() throws Exception {
        dataSource.close();
        List<Future<?>> calls = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            String id = "lost-" + i;
            calls.add(callers.submit(() -> writes.commit(() -> jdbc.update("INSERT INTO entry (id, note) VALUES (?, 'v')", id))));
        }
        for (Future<?> call : calls) {
            assertThatThrownBy(() -> call.get(30, TimeUnit.SECONDS)).cause()
                    .isInstanceOfAny(DataAccessException.class, TransactionException.class);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
