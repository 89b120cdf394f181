-- Who answers a ChangePlan or ChangeQuantity (docs/architecture.md "The acknowledgement lane"). The acknowledgement
-- lane and the in-order processing of marketplace.inbound both meet each such operation; the first to insert its row
-- (the primary key decides) asks the decision endpoint and PATCHes the operation, then records the decision here; the
-- other uses that decision. A claim left without a decision for bridge.webhook.acknowledgement-claim (its holder
-- died or failed) may be taken over.
CREATE TABLE acknowledgement (
    operation_id    VARCHAR(36)  NOT NULL PRIMARY KEY,
    subscription_id VARCHAR(36)  NOT NULL,
    claimed_by      VARCHAR(40)  NOT NULL,
    claimed_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    decision        VARCHAR(20),
    decided_at      TIMESTAMP WITH TIME ZONE
);
