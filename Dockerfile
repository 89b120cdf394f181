# Marketplace Bridge image: built with the Maven wrapper, run on a JRE. Routes and config are read from the
# working directory (/app/routes, /app/config), so an operator can mount their own.
FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY mvnw pom.xml ./
COPY .mvn .mvn
RUN ./mvnw -B -ntp dependency:go-offline
COPY src src
RUN ./mvnw -B -ntp -DskipTests package

FROM eclipse-temurin:17-jre
WORKDIR /app
COPY --from=build /src/target/marketplace-bridge-*.jar /app/marketplace-bridge.jar
COPY routes routes
# Only the production settings: application-sandbox.yaml (fake secrets, the simulator) stays out of the image, so
# SPRING_PROFILES_ACTIVE=sandbox cannot turn a production container into a sandbox.
COPY config/application.yaml config/jvm.options config/
COPY config/artemis config/artemis
EXPOSE 8080
# At most two malloc arenas: with 300-400 threads glibc would keep up to 16, each holding freed native memory
# (about 20 MB less resident after bursts, docs/benchmarks.md). The Jib image (pom.xml) sets the same.
ENV MALLOC_ARENA_MAX=2
# The same JVM options as the Jib image (pom.xml): bounded heap, metaspace and code cache; out of memory ends the process.
ENTRYPOINT ["java", "@/app/config/jvm.options", "-jar", "/app/marketplace-bridge.jar"]
