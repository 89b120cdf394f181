package io.marketplacebridge.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A PostgreSQL server the test owns: a fresh cluster ({@code initdb}) in a directory of the test's, with Debian's
 * binaries ({@code /usr/lib/postgresql/<newest>/bin}), on a loopback port of its own (never the machine's 5432), started
 * and stopped with {@code pg_ctl}. PostgreSQL refuses to run as root: as root every command runs as the {@code postgres}
 * user ({@code runuser -u postgres}, else {@code su postgres -c}), in a directory it owns. The cluster trusts
 * loopback connections of its superuser {@code bridge} (a test cluster on 127.0.0.1 only; no Unix socket).
 */
public final class PostgresServer implements AutoCloseable {

    /** The database superuser the cluster is made with. */
    public static final String USER = "bridge";
    private static final Path DEBIAN = Path.of("/usr/lib/postgresql");
    private static final long COMMAND_SECONDS = 120;

    private final Path bin;
    private final Path directory;
    private final Path data;
    private final int port;
    private final boolean asPostgres;
    private boolean running;

    private PostgresServer(Path bin, Path directory, int port, boolean asPostgres) {
        this.bin = bin;
        this.directory = directory;
        this.data = directory.resolve("data");
        this.port = port;
        this.asPostgres = asPostgres;
    }

    /** The {@code bin} directory of the newest PostgreSQL under /usr/lib/postgresql with initdb and pg_ctl, if any. */
    public static Optional<Path> binaries() {
        if (!Files.isDirectory(DEBIAN)) {
            return Optional.empty();
        }
        try (Stream<Path> versions = Files.list(DEBIAN)) {
            return versions.map(version -> version.resolve("bin"))
                    .filter(bin -> Files.isExecutable(bin.resolve("initdb")) && Files.isExecutable(bin.resolve("pg_ctl")))
                    .max(Comparator.comparing(bin -> version(bin.getParent().getFileName().toString())));
        } catch (IOException unreadable) {
            return Optional.empty();
        }
    }

    /** "15" or "9.6" as a number that sorts right (9.6 before 15). */
    private static Double version(String name) {
        try {
            String[] parts = name.split("\\.");
            return Double.parseDouble(parts[0]) + (parts.length > 1 ? Double.parseDouble("0." + parts[1]) : 0);
        } catch (NumberFormatException notAVersion) {
            return -1.0;
        }
    }

    /** Whether this JVM runs as root (PostgreSQL then has to run as {@code postgres}). */
    public static boolean root() {
        try {
            Process id = new ProcessBuilder("id", "-u").redirectErrorStream(true).start();
            String uid = new String(id.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            id.waitFor(10, TimeUnit.SECONDS);
            return "0".equals(uid);
        } catch (IOException | InterruptedException unknown) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    /**
     * Makes a fresh cluster in {@code directory} (created; must not hold one yet) that listens on 127.0.0.1:{@code port}.
     * Nothing is started.
     */
    public static PostgresServer create(Path directory, int port) throws IOException, InterruptedException {
        Path bin = binaries().orElseThrow(() -> new IllegalStateException("No PostgreSQL binaries under " + DEBIAN));
        boolean asPostgres = root();
        Files.createDirectories(directory);
        PostgresServer server = new PostgresServer(bin, directory.toAbsolutePath(), port, asPostgres);
        if (asPostgres) {
            UserPrincipal postgres;
            try {
                postgres = directory.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
            } catch (IOException noSuchUser) {
                throw new IllegalStateException("Running as root, PostgreSQL has to run as user postgres, which does not exist",
                        noSuchUser);
            }
            Files.setOwner(directory, postgres);
        }
        server.run("initdb", "-D", server.data.toString(), "-U", USER, "--auth=trust", "--encoding=UTF8", "--locale=C",
                "--no-sync");
        // Appended by this (root or own) process: the file keeps its owner.
        Files.writeString(server.data.resolve("postgresql.conf"), String.join("\n", "",
                "# the test's cluster (PostgresServer)",
                "listen_addresses = '127.0.0.1'",
                "port = " + port,
                "unix_socket_directories = ''",
                "max_connections = 100",
                "logging_collector = off",
                ""), java.nio.file.StandardOpenOption.APPEND);
        return server;
    }

    /** {@code pg_ctl start}, waiting until it accepts connections. */
    public void start() throws IOException, InterruptedException {
        run("pg_ctl", "-D", data.toString(), "-l", directory.resolve("postgres.log").toString(), "-w", "-t", "60", "start");
        running = true;
    }

    /** {@code pg_ctl stop -m <mode>}: {@code immediate} (no checkpoint: crash recovery at the next start), {@code fast}, {@code smart}. */
    public void stop(String mode) throws IOException, InterruptedException {
        run("pg_ctl", "-D", data.toString(), "-m", mode, "-w", "-t", "60", "stop");
        running = false;
    }

    public boolean running() {
        return running;
    }

    public int port() {
        return port;
    }

    /** The major version of the binaries (their directory under /usr/lib/postgresql). */
    public String version() {
        return bin.getParent().getFileName().toString();
    }

    /** The JDBC URL of {@code database} (as the bridge's {@code bridge.store.url} takes it). */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    /** A connection to {@code database} as {@link #USER}. */
    public Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database), USER, "");
    }

    public void createDatabase(String name) throws SQLException {
        try (Connection connection = connect("postgres"); Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE " + name + " OWNER " + USER);
        }
    }

    /** The server's log (pg_ctl's {@code -l}). */
    public Path log() {
        return directory.resolve("postgres.log");
    }

    /** Runs one of the binaries (as {@code postgres} when root); fails with its output if it does not succeed. */
    private void run(String program, String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(bin.resolve(program).toString());
        command.addAll(Arrays.asList(arguments));
        if (asPostgres) {
            if (Files.isExecutable(Path.of("/usr/sbin/runuser")) || Files.isExecutable(Path.of("/sbin/runuser"))) {
                List<String> runuser = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
                runuser.addAll(command);
                command = runuser;
            } else {
                StringBuilder line = new StringBuilder();
                for (String word : command) {
                    line.append('\'').append(word.replace("'", "'\\''")).append("' ");
                }
                command = List.of("su", "postgres", "-s", "/bin/sh", "-c", line.toString().trim());
            }
        }
        Path output = directory.resolve(program + ".out");
        // pg_ctl's server keeps its own output in the log: a file, not a pipe that it would hold open.
        Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile())).start();
        if (!process.waitFor(COMMAND_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " did not end within " + COMMAND_SECONDS + " s; see " + output);
        }
        if (process.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " exited with " + process.exitValue() + ": "
                    + Files.readString(output) + (Files.exists(log()) ? "\n" + Files.readString(log()) : ""));
        }
    }

    /** Stops the server at once if it still runs. */
    @Override
    public void close() throws IOException, InterruptedException {
        if (running) {
            stop("immediate");
        }
    }
}
