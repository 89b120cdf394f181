-- Reconciliation (docs/architecture.md "Reconciliation"): the runs, what each found, and the lease that lets one
-- bridge instance reconcile at a time. Portable SQL, as V1.

-- One row per run: who asked, how far it got, and its report (JSON as text: drift, purchases found, pending
-- purchases, operations, errors), written as the run goes so that a run in progress can be read.
CREATE TABLE reconcile_run (
    run_id             VARCHAR(36)  NOT NULL PRIMARY KEY,
    requested_by       VARCHAR(20)  NOT NULL,
    status             VARCHAR(20)  NOT NULL,
    instance           VARCHAR(200),
    attempts           INTEGER      NOT NULL,
    requested_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    started_at         TIMESTAMP WITH TIME ZONE,
    finished_at        TIMESTAMP WITH TIME ZONE,
    subscriptions_seen INTEGER      NOT NULL,
    calls              INTEGER      NOT NULL,
    report             TEXT,
    detail             TEXT
);
CREATE INDEX reconcile_run_by_finish ON reconcile_run (finished_at);

-- The lease: the instance and run that reconcile now, until when (renewed as the run goes), and when the next
-- scheduled run is due, so that several instances on one store queue one scheduled run per interval.
CREATE TABLE reconcile_lease (
    lease_name        VARCHAR(40)  NOT NULL PRIMARY KEY,
    owner             VARCHAR(200),
    run_id            VARCHAR(36),
    expires_at        TIMESTAMP WITH TIME ZONE,
    next_scheduled_at TIMESTAMP WITH TIME ZONE
);
INSERT INTO reconcile_lease (lease_name) VALUES ('reconciliation');
