package io.marketplacebridge.reconciliation;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One attempt of a reconciliation run while it goes (variable {@code run} of routes/reconciliation.camel.yaml):
 * where the listing is, how many calls it made, and the run's report. The report is keyed by subscription and
 * operation, and an attempt starts from the report of the attempts before it, so a re-run of the same run reports
 * each finding once.
 */
public final class ReconciliationRun {

    static final String DRIFT = "drift";
    static final String PURCHASES = "purchases";
    static final String PENDING = "pendingPurchases";
    static final String ACKNOWLEDGED = "acknowledged";
    static final String REPORTED = "reported";
    static final String SETTLED = "settled";
    static final String ERRORS = "errors";
    static final List<String> SECTIONS = List.of(DRIFT, PURCHASES, PENDING, ACKNOWLEDGED, REPORTED, SETTLED);

    private final String runId;
    private final int attempt;
    private final int maxCalls;
    private final Instant startedAt;
    private final String skippedBecause;
    private final Map<String, Map<String, Object>> findings = new LinkedHashMap<>();
    private final List<Map<String, Object>> errors = new ArrayList<>();
    private String nextLink;
    private boolean morePages = true;
    private boolean unfinished;
    private int subscriptionsSeen;
    private int calls;

    ReconciliationRun(String runId, int attempt, int maxCalls, Instant startedAt, String skippedBecause,
            Map<String, Object> report) {
        this.runId = runId;
        this.attempt = attempt;
        this.maxCalls = maxCalls;
        this.startedAt = startedAt;
        this.skippedBecause = skippedBecause;
        SECTIONS.forEach(section -> findings.put(section, new LinkedHashMap<>()));
        if (report != null) {
            SECTIONS.forEach(section -> {
                if (report.get(section) instanceof Map<?, ?> earlier) {
                    earlier.forEach((key, value) -> findings.get(section).put(String.valueOf(key), value));
                }
            });
            if (report.get(ERRORS) instanceof List<?> earlier) {
                earlier.forEach(error -> errors.add(copy(error)));
            }
        }
    }

    /** The run's id, which every event it publishes carries in its deterministic id. */
    public String getRunId() {
        return runId;
    }

    /** Whether another instance's run holds the lease, so this one does nothing. */
    public boolean isSkipped() {
        return skippedBecause != null;
    }

    /** Why the run was skipped, or null. */
    public String getSkippedBecause() {
        return skippedBecause;
    }

    /** Whether there is another page to list and calls left to list it. */
    public boolean isListing() {
        return !isSkipped() && morePages && !isBudgetSpent();
    }

    /** Whether this attempt made all the calls it may ({@code bridge.reconcile.max-calls}). */
    public boolean isBudgetSpent() {
        return calls >= maxCalls;
    }

    /** The {@code @nextLink} of the last page, or null for the first page. */
    public String getNextLink() {
        return nextLink;
    }

    int attempt() {
        return attempt;
    }

    Instant startedAt() {
        return startedAt;
    }

    boolean morePages() {
        return morePages;
    }

    boolean unfinished() {
        return unfinished;
    }

    void leftUnfinished() {
        unfinished = true;
    }

    int subscriptionsSeen() {
        return subscriptionsSeen;
    }

    int calls() {
        return calls;
    }

    void listed(String next) {
        nextLink = next;
        morePages = next != null && !next.isBlank();
    }

    void seen() {
        subscriptionsSeen++;
    }

    void called() {
        calls++;
    }

    /** Records a finding; answers whether it is new to this run (an earlier attempt may have found it). */
    boolean found(String section, String key, Map<String, Object> finding) {
        return findings.get(section).put(key, finding) == null;
    }

    int count(String section) {
        return findings.get(section).size();
    }

    void error(Map<String, Object> error) {
        errors.add(error);
    }

    int errorCount() {
        return errors.size();
    }

    /** The report as the store keeps it. */
    Map<String, Object> report() {
        Map<String, Object> report = new LinkedHashMap<>();
        findings.forEach((section, entries) -> report.put(section, new LinkedHashMap<>(entries)));
        report.put(ERRORS, new ArrayList<>(errors));
        return report;
    }

    private static Map<String, Object> copy(Object value) {
        Map<String, Object> copy = new LinkedHashMap<>();
        if (value instanceof Map<?, ?> map) {
            map.forEach((key, entry) -> copy.put(String.valueOf(key), entry));
        }
        return copy;
    }
}
