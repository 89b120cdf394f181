package io.marketplacebridge.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.activemq.artemis.api.core.TransportConfiguration;
import org.apache.activemq.artemis.core.config.ClusterConnectionConfiguration;
import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.config.FileDeploymentManager;
import org.apache.activemq.artemis.core.config.ha.ReplicaPolicyConfiguration;
import org.apache.activemq.artemis.core.config.ha.ReplicatedPolicyConfiguration;
import org.apache.activemq.artemis.core.config.impl.FileConfiguration;
import org.apache.activemq.artemis.core.config.impl.SecurityConfiguration;
import org.apache.activemq.artemis.core.server.ActiveMQServer;
import org.apache.activemq.artemis.core.server.cluster.impl.MessageLoadBalancingType;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.core.server.impl.ActiveMQServerImpl;
import org.apache.activemq.artemis.spi.core.security.ActiveMQJAASSecurityManager;
import org.apache.activemq.artemis.spi.core.security.jaas.InVMLoginModule;
import org.slf4j.LoggerFactory;

/**
 * One broker of an Artemis primary/backup pair with replication (shared nothing), as its own process for
 * {@code BrokerFailoverIT} (docs/reliability.md, scenario 2): config/artemis/broker.xml (the production topology,
 * read from the file itself as {@code ExternalBrokerTest} does) with what a pair adds, which README's production
 * section shows as XML: a connector for itself and one for the other node on 127.0.0.1, a cluster connection
 * between them with static connectors, and the HA policy: {@code <replication><primary>} or
 * {@code <replication><backup><allow-failback>true}. The login is the image's ({@code ARTEMIS_USER}, role
 * {@code amq}). Started as {@code java -cp <test classpath> io.marketplacebridge.process.ReplicatedBroker
 * primary|backup <port> <other port> <data dir> <user> <password>}; it prints {@value #ACTIVE} once it serves
 * clients and, as a backup, {@value #SYNCHRONIZED} once it holds a full copy of the primary's journal.
 */
public final class ReplicatedBroker implements AutoCloseable {

    /** Printed once the broker serves clients (a primary at start, a backup once it took over). */
    public static final String ACTIVE = "REPLICATED-BROKER ACTIVE";
    /** Printed by a backup once it is in step with the primary, so that a kill of the primary can fail over. */
    public static final String SYNCHRONIZED = "REPLICATED-BROKER BACKUP SYNCHRONIZED";

    private final String role;
    private final int port;
    private final Process process;
    private final Path log;

    private ReplicatedBroker(String role, int port, Process process, Path log) {
        this.role = role;
        this.port = port;
        this.process = process;
        this.log = log;
    }

    /**
     * Starts the {@code role} ({@code primary} or {@code backup}) of a pair on 127.0.0.1:{@code port}, the other node
     * on {@code otherPort}, its journal under {@code data}, its output in {@code log}.
     */
    public static ReplicatedBroker start(String role, int port, int otherPort, Path data, Path log, String user, String password)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(javaArguments(log.resolveSibling(role + "-broker.args")));
        command.addAll(List.of(role, String.valueOf(port), String.valueOf(otherPort), data.toString(), user, password));
        Files.createDirectories(log.getParent());
        Process process = new ProcessBuilder(command).directory(Projects.root().toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new ReplicatedBroker(role, port, process, log);
    }

    /** Waits until the broker's output has a line with {@code marker} ({@link #ACTIVE}, {@link #SYNCHRONIZED}). */
    public void await(String marker, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.readString(log).contains(marker)) {
                return;
            }
            if (!process.isAlive()) {
                throw new IllegalStateException(role + " broker exited with " + process.exitValue() + " before '" + marker
                        + "'; see " + log);
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException(role + " broker: no '" + marker + "' within " + timeout + "; see " + log);
    }

    public String url() {
        return "tcp://127.0.0.1:" + port;
    }

    public Path log() {
        return log;
    }

    /** kill -9: the broker gets no chance to tell its backup or its clients. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                kill();
            }
        }
    }

    public static void main(String[] args) throws Exception {
        // The test classpath's Logback has no configuration for this process: INFO, not its DEBUG default.
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
                .setLevel(ch.qos.logback.classic.Level.INFO);
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("org.apache.activemq.audit"))
                .setLevel(ch.qos.logback.classic.Level.OFF);
        boolean primary = switch (args[0]) {
            case "primary" -> true;
            case "backup" -> false;
            default -> throw new IllegalArgumentException("primary or backup, not " + args[0]);
        };
        int port = Integer.parseInt(args[1]);
        int otherPort = Integer.parseInt(args[2]);
        Path data = Path.of(args[3]).toAbsolutePath();
        String user = args[4];
        String password = args[5];

        EmbeddedActiveMQ broker = new EmbeddedActiveMQ()
                .setConfiguration(pair(Projects.root().resolve("config/artemis/broker.xml"), primary, port, otherPort, data))
                .setSecurityManager(new ActiveMQJAASSecurityManager(InVMLoginModule.class.getName(),
                        new SecurityConfiguration(Map.of(user, password), Map.of(user, List.of("amq")))));
        broker.start();
        ActiveMQServer server = broker.getActiveMQServer();
        if (!primary) {
            while (!((ActiveMQServerImpl) server).isReplicaSync()) {
                if (server.waitForActivation(100, TimeUnit.MILLISECONDS)) {
                    break;
                }
            }
            System.out.println(SYNCHRONIZED);
        }
        server.waitForActivation(Long.MAX_VALUE, TimeUnit.MILLISECONDS);
        System.out.println(ACTIVE + " (" + args[0] + ", port " + port + ")");
        Thread.currentThread().join();
    }

    /** config/artemis/broker.xml with the pair's connectors, cluster connection and HA policy. */
    static Configuration pair(Path brokerXml, boolean primary, int port, int otherPort, Path data) throws Exception {
        FileConfiguration file = new FileConfiguration();
        FileDeploymentManager deployment = new FileDeploymentManager(brokerXml.toUri().toString());
        deployment.addDeployable(file);
        deployment.readConfiguration();

        TransportConfiguration acceptor = file.getAcceptorConfigurations().stream()
                .filter(candidate -> candidate.getName().equals("artemis")).findFirst().orElseThrow();
        acceptor.getParams().put("host", "127.0.0.1");
        acceptor.getParams().put("port", String.valueOf(port));
        file.addConnectorConfiguration("self", "tcp://127.0.0.1:" + port);
        file.addConnectorConfiguration("other", "tcp://127.0.0.1:" + otherPort);
        List<String> others = new ArrayList<>(List.of("other"));
        file.addClusterConfiguration(new ClusterConnectionConfiguration()
                .setName("pair")
                .setConnectorName("self")
                .setStaticConnectors(others)
                .setMessageLoadBalancingType(MessageLoadBalancingType.OFF)
                .setRetryInterval(500)
                .setReconnectAttempts(-1));
        file.setClusterUser("bridge-pair").setClusterPassword("bridge-pair-not-a-secret");
        file.setHAPolicyConfiguration(primary
                ? new ReplicatedPolicyConfiguration().setCheckForActiveServer(true)
                : new ReplicaPolicyConfiguration().setAllowFailBack(true));
        Files.createDirectories(data);
        file.setJournalDirectory(data + "/journal")
                .setBindingsDirectory(data + "/bindings")
                .setPagingDirectory(data + "/paging")
                .setLargeMessagesDirectory(data + "/large-messages")
                .setNodeManagerLockDirectory(data.toString())
                .setName(primary ? "marketplace-bridge-primary" : "marketplace-bridge-backup");
        return file;
    }

    /** The JVM arguments that start a broker of the pair with this JVM's classpath, in an argument file. */
    private static List<String> javaArguments(Path argumentFile) throws IOException {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Files.writeString(argumentFile, "-cp \"" + classpath.replace("\\", "\\\\") + "\"\n");
        List<String> arguments = new ArrayList<>(List.of("-Xmx512m"));
        arguments.addAll(Projects.testJvmOptions());
        arguments.addAll(List.of("@" + argumentFile.toAbsolutePath(), ReplicatedBroker.class.getName()));
        return arguments;
    }
}
