-- The bridge's registry (docs/architecture.md "Memory"): what the broker cannot answer. Written by the flows as
-- keyed upserts, so a redelivery or a second instance never duplicates a row. Portable SQL: H2 (embedded) and
-- PostgreSQL run the same migrations. JSON is kept as text.

-- Each subscription's last known state as Microsoft reported it, and the last state the bridge published.
CREATE TABLE subscription (
    subscription_id   VARCHAR(36)  NOT NULL PRIMARY KEY,
    offer_id          VARCHAR(200),
    plan_id           VARCHAR(200),
    quantity          BIGINT,
    status            VARCHAR(40),
    microsoft_state   TEXT,
    microsoft_seen_at TIMESTAMP WITH TIME ZONE,
    published_state   TEXT,
    last_event_id     VARCHAR(200),
    last_event_type   VARCHAR(40),
    created_at        TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at        TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX subscription_by_change ON subscription (updated_at);

-- The timeline: every event published, with the subscription's status, plan and quantity it reported (what the
-- subscription was at that time).
CREATE TABLE subscription_event (
    event_id        VARCHAR(200) NOT NULL PRIMARY KEY,
    subscription_id VARCHAR(36)  NOT NULL,
    event_type      VARCHAR(40)  NOT NULL,
    event_source    VARCHAR(40)  NOT NULL,
    status          VARCHAR(40),
    plan_id         VARCHAR(200),
    quantity        BIGINT,
    occurred_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    correlation_id  VARCHAR(100),
    recorded_at     TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX subscription_event_by_subscription ON subscription_event (subscription_id, occurred_at);

-- Each system's outcome for each event: the latest (delivered, dead-lettered, replayed or discarded), and when each
-- happened, with the dead letter's and the discard's reasons.
CREATE TABLE delivery (
    event_id         VARCHAR(200) NOT NULL,
    target_system    VARCHAR(40)  NOT NULL,
    subscription_id  VARCHAR(36),
    outcome          VARCHAR(20)  NOT NULL,
    detail           TEXT,
    attempts         INTEGER,
    delivered_at     TIMESTAMP WITH TIME ZONE,
    dead_lettered_at TIMESTAMP WITH TIME ZONE,
    dead_letter_reason TEXT,
    replayed_at      TIMESTAMP WITH TIME ZONE,
    discarded_at     TIMESTAMP WITH TIME ZONE,
    discard_reason   TEXT,
    updated_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (event_id, target_system)
);
CREATE INDEX delivery_by_subscription ON delivery (subscription_id);

-- Operations the publisher started (change plan, change quantity, cancel) and how far they got at Microsoft.
CREATE TABLE publisher_operation (
    operation_id           VARCHAR(36)  NOT NULL PRIMARY KEY,
    subscription_id        VARCHAR(36)  NOT NULL,
    action                 VARCHAR(20)  NOT NULL,
    requested_value        VARCHAR(200),
    microsoft_operation_id VARCHAR(36),
    operation_location     TEXT,
    status                 VARCHAR(20)  NOT NULL,
    attempts               INTEGER      NOT NULL,
    last_error             TEXT,
    created_at             TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at             TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX publisher_operation_by_subscription ON publisher_operation (subscription_id, status);
