package io.marketplacebridge.process;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The audit files a packaged bridge wrote under its data directory ({@code <data>/audit/audit-YYYY-MM-DD.jsonl}). */
public final class AuditFiles {

    private static final ObjectMapper JSON = new ObjectMapper();

    private AuditFiles() {
    }

    /**
     * Every complete line of the bridge's audit files, oldest file first; none when it wrote none yet. A blank line
     * or one that is not whole JSON is skipped: the bridge is writing it now, or kill -9 cut it before its sync (its
     * event was not acknowledged and comes again).
     */
    public static List<JsonNode> entries(Path data) throws IOException {
        Path directory = data.resolve("audit");
        List<JsonNode> entries = new ArrayList<>();
        if (!Files.isDirectory(directory)) {
            return entries;
        }
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.sorted().toList()) {
                for (String line : Files.readAllLines(file)) {
                    if (line.isBlank()) {
                        continue;
                    }
                    try {
                        entries.add(JSON.readTree(line));
                    } catch (IOException tornOrBeingWritten) {
                        // not a whole line (yet)
                    }
                }
            }
        }
        return entries;
    }
}
