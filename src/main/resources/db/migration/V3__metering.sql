-- Metered usage (docs/architecture.md §14): the records the product sent, their hourly totals, and how each hour's
-- report to Microsoft went. Portable SQL (H2 and PostgreSQL run it alike); quantities are exact decimals (NUMERIC),
-- never floating point. Written as keyed upserts, so a redelivery or a second bridge instance never counts twice.

-- Every usage record accepted, keyed by the product's own id (or one the bridge made for a record without) within
-- its subscription: the same record sent twice counts once. The id comes first in the key, so that a list's ids are
-- looked up with one IN (...) on the index.
CREATE TABLE usage_record (
    record_id       VARCHAR(200)    NOT NULL,
    subscription_id VARCHAR(36)     NOT NULL,
    plan_id         VARCHAR(200)    NOT NULL,
    dimension       VARCHAR(200)    NOT NULL,
    quantity        NUMERIC(38, 18) NOT NULL,
    usage_at        TIMESTAMP WITH TIME ZONE NOT NULL,
    hour_start      TIMESTAMP WITH TIME ZONE NOT NULL,
    accepted_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (record_id, subscription_id)
);

-- One row per subscription, plan, dimension and UTC hour: the total, and its report to Microsoft. state is
-- open (still adding up; nothing sent), submitted (sent in batch batch_id by report run report_run at
-- submitted_at, and not settled: the next report run sends it again), reported (Microsoft has it: usage_event_id, microsoft_status Accepted or
-- Duplicate, and microsoft_quantity with a warning when Microsoft's quantity differs) or refused (Microsoft's
-- status and reason; the hour is in DLQ.marketplace.usage). A record for an hour that is not open is refused.
CREATE TABLE usage_hour (
    subscription_id    VARCHAR(36)     NOT NULL,
    plan_id            VARCHAR(200)    NOT NULL,
    dimension          VARCHAR(200)    NOT NULL,
    hour_start         TIMESTAMP WITH TIME ZONE NOT NULL,
    quantity           NUMERIC(38, 18) NOT NULL,
    records            INTEGER         NOT NULL,
    state              VARCHAR(20)     NOT NULL,
    batch_id           VARCHAR(36),
    report_run         VARCHAR(36),
    submitted_at       TIMESTAMP WITH TIME ZONE,
    attempts           INTEGER         NOT NULL,
    last_error         TEXT,
    usage_event_id     VARCHAR(100),
    microsoft_status   VARCHAR(40),
    microsoft_quantity NUMERIC(38, 18),
    reported_at        TIMESTAMP WITH TIME ZONE,
    reason             TEXT,
    warning            TEXT,
    updated_at         TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (subscription_id, plan_id, dimension, hour_start)
);
CREATE INDEX usage_hour_by_state ON usage_hour (state, hour_start);

-- Who reports: one row, held by one report run of one bridge instance until expires_at (renewed with every
-- batch), so that two instances never send batches at the same time.
CREATE TABLE metering_lease (
    name       VARCHAR(40)  NOT NULL PRIMARY KEY,
    holder     VARCHAR(36),
    instance   VARCHAR(200),
    expires_at TIMESTAMP WITH TIME ZONE NOT NULL
);
INSERT INTO metering_lease (name, holder, instance, expires_at)
    VALUES ('report', NULL, NULL, TIMESTAMP WITH TIME ZONE '1970-01-01 00:00:00+00');
