package io.marketplacebridge.registry;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionException;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The registry's frequent writes, committed together (a group commit): every consumer that records an event or a
 * delivery hands its statements to one writer thread, which runs all the writes waiting at that moment in one
 * transaction and answers each caller once that transaction has committed. A caller waits as it waited for its own
 * commit, so a message is acknowledged only after its write is in the store; but under load ten or a hundred writes
 * share one commit instead of queueing for the store's lock and the connection pool one by one (the embedded H2
 * store writes its file at every commit; PostgreSQL flushes its log). docs/benchmarks.md "What bounds it".
 *
 * <p>A write must not throw on a row that is already there (use {@code INSERT … ON CONFLICT DO NOTHING}): in
 * PostgreSQL any failed statement ends the whole transaction. If a batch fails anyway, each of its writes is run again
 * in a transaction of its own, so one bad write fails only its caller; a store that cannot be reached fails them all
 * at once.
 */
@Component
public class StoreWrites implements DisposableBean {

    private static final Logger LOG = LoggerFactory.getLogger(StoreWrites.class);

    /** Writes in one transaction at most: a batch stays short, and its row locks are held briefly. */
    private static final int MAX_BATCH = 200;

    /** How long a caller waits for its commit: longer than the pool's wait for a connection and a slow commit. */
    private static final Duration WAIT = Duration.ofSeconds(15);

    private final TransactionTemplate transactions;
    private final DistributionSummary batchSizes;
    private final Timer commits;
    private final LinkedBlockingQueue<Write<?>> waiting = new LinkedBlockingQueue<>();
    private final Thread writer;
    private volatile boolean stopped;

    /**
     * {@code meters} gets {@code bridge.store.batch.writes} (writes per commit) and {@code bridge.store.commits} (the
     * time of each batch's transaction): an operator sees how many commits the store makes and how long each takes.
     */
    public StoreWrites(PlatformTransactionManager transactionManager, MeterRegistry meters) {
        this.transactions = new TransactionTemplate(transactionManager);
        this.batchSizes = DistributionSummary.builder("bridge.store.batch.writes")
                .description("Registry writes committed together in one transaction").register(meters);
        this.commits = Timer.builder("bridge.store.commits")
                .description("Time of each group commit of registry writes, statements and commit").register(meters);
        this.writer = new Thread(this::run, "bridge-store-writer");
        this.writer.setDaemon(true);
        this.writer.start();
    }

    /**
     * Runs {@code write} (statements on the injected JdbcTemplate) in the writer's current transaction and returns
     * its result once that transaction has committed; throws what the write or the commit threw.
     */
    public <T> T commit(Supplier<T> write) {
        if (stopped) {
            throw new IllegalStateException("The store's writer has stopped (the bridge is shutting down)");
        }
        Write<T> entry = new Write<>(write, new CompletableFuture<>());
        waiting.add(entry);
        try {
            return entry.done().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new QueryTimeoutException("The store did not commit a write within " + WAIT.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new QueryTimeoutException("Interrupted while the store committed a write");
        }
    }

    /** Runs {@code write} like {@link #commit(Supplier)}, for writes without a result. */
    public void commit(Runnable write) {
        commit(() -> {
            write.run();
            return null;
        });
    }

    private void run() {
        List<Write<?>> batch = new ArrayList<>(MAX_BATCH);
        while (!stopped) {
            Write<?> first;
            try {
                // Never interrupted: an interrupt inside a write would close the embedded store's file channel.
                first = waiting.poll(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                break;
            }
            if (first == null) {
                continue;
            }
            batch.add(first);
            waiting.drainTo(batch, MAX_BATCH - 1);
            try {
                writeTogether(batch);
            } catch (Throwable unexpected) {
                // Never leave a caller waiting on a write this thread took.
                batch.forEach(write -> write.done().completeExceptionally(unexpected));
            }
            batch.clear();
        }
        IllegalStateException stopping = new IllegalStateException("The store's writer has stopped (the bridge is shutting down)");
        waiting.forEach(write -> write.done().completeExceptionally(stopping));
    }

    private void writeTogether(List<Write<?>> batch) {
        List<Object> results = new ArrayList<>(batch.size());
        batchSizes.record(batch.size());
        long started = System.nanoTime();
        try {
            transactions.executeWithoutResult(status -> batch.forEach(write -> results.add(write.action().get())));
            commits.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        } catch (RuntimeException failed) {
            if (batch.size() == 1) {
                batch.get(0).done().completeExceptionally(failed);
                return;
            }
            LOG.debug("A batch of {} store writes failed ({}): writing them one by one", batch.size(), failed.toString());
            writeOneByOne(batch);
            return;
        }
        for (int i = 0; i < batch.size(); i++) {
            complete(batch.get(i), results.get(i));
        }
    }

    /** After a failed batch: each write alone; a store that cannot be reached fails the rest without trying them. */
    private void writeOneByOne(List<Write<?>> batch) {
        RuntimeException storeFailure = null;
        for (Write<?> write : batch) {
            if (storeFailure != null) {
                write.done().completeExceptionally(storeFailure);
                continue;
            }
            try {
                complete(write, transactions.execute(status -> write.action().get()));
            } catch (RuntimeException failed) {
                if (unreachable(failed)) {
                    storeFailure = failed;
                }
                write.done().completeExceptionally(failed);
            }
        }
    }

    /** No connection, no transaction, or a failure the store says may pass: not one write's own fault. */
    private static boolean unreachable(RuntimeException failure) {
        return failure instanceof TransactionException || failure instanceof DataAccessResourceFailureException
                || failure instanceof TransientDataAccessException;
    }

    @SuppressWarnings("unchecked")
    private static <T> void complete(Write<T> write, Object result) {
        write.done().complete((T) result);
    }

    @Override
    public void destroy() throws InterruptedException {
        stopped = true;
        writer.join(WAIT.toMillis());
    }

    private record Write<T>(Supplier<T> action, CompletableFuture<T> done) {
    }
}
