package io.marketplacebridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.marketplacebridge.process.Projects;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.yaml.snakeyaml.Yaml;

/**
 * The production files as an operator uses them (no Docker engine here: they are read, not run): docker-compose.yml
 * with Artemis, PostgreSQL and two bridges wired to both, with health checks and no secret in the file; the image
 * (Jib in pom.xml, and the Dockerfile) with the production JVM options and without the sandbox, simulator and
 * simulated profiles.
 */
class DeploymentFilesTest {

    private static final Pattern SECRET_KEY = Pattern.compile(".*(PASSWORD|SECRET|TOKEN).*");

    @Test
    @SuppressWarnings("unchecked")
    void composeRunsArtemisPostgresAndTwoBridgesWiredToBothWithHealthChecksAndNoSecret() throws Exception {
        Map<String, Object> compose = new Yaml().load(Files.readString(Path.of("docker-compose.yml")));
        Map<String, Map<String, Object>> services = (Map<String, Map<String, Object>>) compose.get("services");

        assertThat(services).containsOnlyKeys("artemis", "postgres", "bridge-1", "bridge-2");
        services.forEach((name, service) -> assertThat(service).as(name).containsKey("healthcheck"));
        for (String bridge : List.of("bridge-1", "bridge-2")) {
            Map<String, Object> service = services.get(bridge);
            Map<String, Object> environment = (Map<String, Object>) service.get("environment");
            assertThat(environment.get("BRIDGE_BROKER_URL")).as(bridge).isEqualTo("tcp://artemis:61616");
            assertThat(String.valueOf(environment.get("BRIDGE_STORE_URL"))).as(bridge).startsWith("jdbc:postgresql://postgres:5432/");
            assertThat(environment).as(bridge).containsKeys("BRIDGE_ADMIN_PASSWORD", "BRIDGE_INTEGRATION_PASSWORD",
                    "BRIDGE_STORE_PASSWORD", "BRIDGE_MARKETPLACE_AUTH_CLIENT_SECRET");
            Map<String, Map<String, String>> dependsOn = (Map<String, Map<String, String>>) service.get("depends_on");
            assertThat(dependsOn).as(bridge).containsKeys("artemis", "postgres");
            dependsOn.values().forEach(condition -> assertThat(condition.get("condition")).isEqualTo("service_healthy"));
        }
        services.forEach((name, service) -> {
            Object environment = service.get("environment");
            if (environment instanceof Map<?, ?> variables) {
                variables.forEach((key, value) -> {
                    if (SECRET_KEY.matcher(String.valueOf(key)).matches()) {
                        assertThat(String.valueOf(value)).as(name + " " + key + " comes from the environment").startsWith("${");
                    }
                });
            }
        });
    }

    @Test
    void theImageHasTheProductionJvmOptionsAndNoSandboxProfile() throws Exception {
        Document pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(Path.of("pom.xml").toFile());
        Element jib = null;
        var plugins = pom.getElementsByTagName("plugin");
        for (int i = 0; i < plugins.getLength(); i++) {
            Element plugin = (Element) plugins.item(i);
            if ("jib-maven-plugin".equals(plugin.getElementsByTagName("artifactId").item(0).getTextContent())) {
                jib = plugin;
            }
        }
        assertThat(jib).as("jib-maven-plugin in pom.xml").isNotNull();
        String flags = jib.getElementsByTagName("jvmFlags").item(0).getTextContent();
        assertThat(flags).contains("@/app/config/jvm.options");
        String includes = jib.getElementsByTagName("includes").item(0).getTextContent();
        assertThat(includes).contains("application.yaml", "jvm.options").doesNotContain("sandbox").doesNotContain("simulat");
        List<String> copies = Files.readAllLines(Path.of("Dockerfile")).stream().filter(line -> line.startsWith("COPY")).toList();
        assertThat(copies).anyMatch(line -> line.contains("config/application.yaml"))
                .noneMatch(line -> line.contains("sandbox") || line.contains("simulat") || line.matches("COPY config\\s.*"));
        assertThat(Files.readString(Path.of("Dockerfile"))).contains("config/jvm.options", "\"@/app/config/jvm.options\"");
        // The environment both give the JVM, as the benchmarks and fault tests start it (Projects).
        Element environment = (Element) jib.getElementsByTagName("environment").item(0);
        for (Map.Entry<String, String> variable : Projects.productionEnvironment().entrySet()) {
            assertThat(Files.readAllLines(Path.of("Dockerfile"))).as("Dockerfile")
                    .contains("ENV " + variable.getKey() + "=" + variable.getValue());
            assertThat(environment.getElementsByTagName(variable.getKey()).item(0).getTextContent())
                    .as("Jib's environment " + variable.getKey()).isEqualTo(variable.getValue());
        }
        // The one file both use: bounded heap and metaspace, and a stop on OutOfMemoryError.
        assertThat(Files.readAllLines(Path.of("config/jvm.options"))).contains("-XX:+ExitOnOutOfMemoryError")
                .anyMatch(line -> line.startsWith("-Xmx")).anyMatch(line -> line.startsWith("-XX:MaxMetaspaceSize="));
    }
}
