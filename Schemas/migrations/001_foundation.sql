-- Shared tables of the fleet: inbox (dedupe), outbox (events written with their effects),
-- the payment event timeline, the business clock, and the dead-letter audit.
CREATE SCHEMA IF NOT EXISTS coverpay;

CREATE TABLE coverpay.inbox (
    consumer    text        NOT NULL,
    message_id  text        NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, message_id)
);

CREATE TABLE coverpay.outbox (
    id           bigserial   PRIMARY KEY,
    producer     text        NOT NULL,
    message_id   text        NOT NULL,
    exchange     text        NOT NULL,
    routing_key  text        NOT NULL,
    message_type text        NOT NULL,
    body         text        NOT NULL,
    headers      jsonb       NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbox_by_producer ON coverpay.outbox (producer, id);

-- Every event the fleet publishes, in order, for `coverpay events tail` and upstream audits.
CREATE TABLE coverpay.payment_events (
    seq         bigserial   PRIMARY KEY,
    event_id    text        NOT NULL UNIQUE,
    type        text        NOT NULL,
    policy_id   text,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    body        jsonb       NOT NULL
);
CREATE INDEX payment_events_by_policy ON coverpay.payment_events (policy_id, seq);

-- The business clock: NULL means real time (UTC date); a date freezes it for demos and tests.
CREATE TABLE coverpay.business_clock (
    singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    frozen_on  date,
    changed_at timestamptz NOT NULL DEFAULT now(),
    changed_by text NOT NULL DEFAULT current_user
);
INSERT INTO coverpay.business_clock (singleton, frozen_on) VALUES (true, NULL);

CREATE FUNCTION coverpay.business_date() RETURNS date LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT frozen_on FROM coverpay.business_clock), (now() AT TIME ZONE 'UTC')::date)
$$;

-- Every on-call action on a dead-letter queue: who, what, which messages, and whether it was a dry run.
CREATE TABLE coverpay.dlq_audit (
    id          bigserial   PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    actor       text        NOT NULL,
    action      text        NOT NULL,
    queue       text        NOT NULL,
    message_id  text,
    reason      text,
    dry_run     boolean     NOT NULL,
    note        text
);
