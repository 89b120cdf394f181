package io.marketplacebridge.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * How busy the machine and two processes were, second by second, while a benchmark phase ran: the machine's cores in
 * use from {@code /proc/stat}, and each process's CPU time. Written as a table (time, machine, bridge, simulator, in
 * cores) and summed over a window, so that a figure says whether the two cores were full.
 */
public final class CpuSampler implements AutoCloseable {

    /** One second of the run: when (epoch ms), and cores in use by the machine, the bridge and the simulator. */
    public record Sample(long atMillis, double machine, double bridge, double simulator) {
    }

    private final LongSupplier bridgeCpuMillis;
    private final LongSupplier simulatorCpuMillis;
    private final List<Sample> samples = new ArrayList<>();
    private final Thread sampler;
    private volatile boolean running = true;

    private CpuSampler(LongSupplier bridgeCpuMillis, LongSupplier simulatorCpuMillis) {
        this.bridgeCpuMillis = bridgeCpuMillis;
        this.simulatorCpuMillis = simulatorCpuMillis;
        this.sampler = new Thread(this::sample, "cpu-sampler");
        this.sampler.setDaemon(true);
        this.sampler.start();
    }

    public static CpuSampler start(LongSupplier bridgeCpuMillis, LongSupplier simulatorCpuMillis) {
        return new CpuSampler(bridgeCpuMillis, simulatorCpuMillis);
    }

    private void sample() {
        long[] machine = machineJiffies();
        long bridge = bridgeCpuMillis.getAsLong();
        long simulator = simulatorCpuMillis.getAsLong();
        long at = System.currentTimeMillis();
        while (running) {
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                return;
            }
            long[] machineNow = machineJiffies();
            long bridgeNow = bridgeCpuMillis.getAsLong();
            long simulatorNow = simulatorCpuMillis.getAsLong();
            long now = System.currentTimeMillis();
            double seconds = (now - at) / 1000.0;
            long total = machineNow[0] - machine[0];
            long idle = machineNow[1] - machine[1];
            double cores = Runtime.getRuntime().availableProcessors();
            synchronized (samples) {
                samples.add(new Sample(now, total == 0 ? 0 : cores * (total - idle) / total,
                        (bridgeNow - bridge) / 1000.0 / seconds, (simulatorNow - simulator) / 1000.0 / seconds));
            }
            machine = machineNow;
            bridge = bridgeNow;
            simulator = simulatorNow;
            at = now;
        }
    }

    /** Average cores in use between two times (epoch ms): machine, bridge, simulator. */
    public Sample average(double fromMillis, double toMillis) {
        double machine = 0;
        double bridge = 0;
        double simulator = 0;
        int count = 0;
        synchronized (samples) {
            for (Sample sample : samples) {
                if (sample.atMillis() > fromMillis && sample.atMillis() <= toMillis + 1000) {
                    machine += sample.machine();
                    bridge += sample.bridge();
                    simulator += sample.simulator();
                    count++;
                }
            }
        }
        return count == 0 ? new Sample((long) toMillis, 0, 0, 0)
                : new Sample((long) toMillis, machine / count, bridge / count, simulator / count);
    }

    /** The samples as a table, one line a second. */
    public void write(Path file) {
        StringBuilder table = new StringBuilder("epoch_ms\tmachine_cores\tbridge_cores\tsimulator_cores\n");
        synchronized (samples) {
            samples.forEach(sample -> table.append(String.format(Locale.ROOT, "%d\t%.2f\t%.2f\t%.2f%n", sample.atMillis(),
                    sample.machine(), sample.bridge(), sample.simulator())));
        }
        try {
            Files.writeString(file, table);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Total and idle (idle + iowait) jiffies of all cores. */
    private static long[] machineJiffies() {
        try {
            String[] fields = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < fields.length; i++) {
                total += Long.parseLong(fields[i]);
            }
            return new long[] {total, Long.parseLong(fields[4]) + Long.parseLong(fields[5])};
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        sampler.interrupt();
        sampler.join(2000);
    }
}
