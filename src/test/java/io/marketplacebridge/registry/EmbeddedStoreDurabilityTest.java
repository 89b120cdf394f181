package io.marketplacebridge.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded store keeps what it committed when its process is killed ({@code kill -9}) right after the commit:
 * a process of its own (this class's {@link #main}) opens the store by {@link StoreConfiguration#embeddedUrl},
 * commits rows one by one and says so after each; the test kills it at once and reads the file.
 */
class EmbeddedStoreDurabilityTest {

    private static final int ROWS = 20;

    @TempDir
    Path directory;

    @Test
    void keepsEveryCommittedRowWhenTheProcessIsKilledRightAfterTheCommit() throws Exception {
        Path file = directory.resolve("bridge");
        Process writer = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), EmbeddedStoreDurabilityTest.class.getName(), file.toString())
                .redirectErrorStream(true).start();
        int confirmed = 0;
        try (BufferedReader output = new BufferedReader(new InputStreamReader(writer.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while (confirmed < ROWS && (line = output.readLine()) != null) {
                if (line.startsWith("committed ")) {
                    confirmed++;
                }
            }
            writer.destroyForcibly();
            assertThat(writer.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }

        assertThat(confirmed).as("rows the killed process confirmed").isEqualTo(ROWS);
        assertThat(Files.exists(Path.of(file + ".mv.db"))).isTrue();
        try (Connection store = DriverManager.getConnection(StoreConfiguration.embeddedUrl(file), "bridge", "");
                Statement read = store.createStatement();
                ResultSet rows = read.executeQuery("SELECT COUNT(*) FROM kept")) {
            rows.next();
            assertThat(rows.getInt(1)).as("committed rows in the store after kill -9").isEqualTo(ROWS);
        }
    }

    /** The killed process: commits {@value #ROWS} rows, one a transaction, and prints a line after each commit. */
    public static void main(String[] args) throws Exception {
        try (Connection store = DriverManager.getConnection(StoreConfiguration.embeddedUrl(Path.of(args[0])), "bridge", "")) {
            try (Statement create = store.createStatement()) {
                create.execute("CREATE TABLE kept (id INT PRIMARY KEY)");
            }
            for (int row = 1; row <= ROWS; row++) {
                try (Statement insert = store.createStatement()) {
                    insert.execute("INSERT INTO kept VALUES (" + row + ")");
                }
                System.out.println("committed " + row);
                System.out.flush();
            }
            // Stays open, as the bridge does, until the test kills it.
            Thread.sleep(60_000);
        }
    }
}
