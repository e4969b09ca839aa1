-- The collector's state: its copy of each policy's payment method and status, the routing table
-- (loaded from Schemas/rules/routing.json), one row per collection attempt, ACH trace numbers and
-- NACHA files; and the sandbox card processor's own record of every call it received.
CREATE SCHEMA IF NOT EXISTS collector;

-- Built from coverpay.policy.issued / payment_method.updated / cancelled / reinstated. The payment
-- method is kept with its bank account number masked; the full number only as AES-GCM ciphertext.
CREATE TABLE collector.policies (
    policy_id          text        PRIMARY KEY,
    policy_number      text,
    state              text,
    line_of_business   text,
    payment_method     jsonb,
    account_ciphertext text,
    cancelled          boolean     NOT NULL DEFAULT false,
    -- The sequence of the last issuance / cancellation / reinstatement applied to `cancelled`.
    status_sequence    integer     NOT NULL DEFAULT 0,
    updated_at         timestamptz NOT NULL DEFAULT now()
);

-- The prioritised routing table; `rule` is the rule's JSON exactly as in routing.json.
CREATE TABLE collector.routing_rules (
    name        text        PRIMARY KEY,
    priority    integer     NOT NULL UNIQUE,
    rule        jsonb       NOT NULL,
    source      text        NOT NULL,
    loaded_at   timestamptz NOT NULL DEFAULT now()
);

-- Trace numbers: ODFI id + 7 digits, unique across files (docs/collection.md).
CREATE SEQUENCE collector.ach_trace_seq MINVALUE 1 MAXVALUE 9999999 CYCLE;

CREATE TABLE collector.ach_files (
    id                bigserial   PRIMARY KEY,
    file_name         text        NOT NULL UNIQUE,
    created_on        date        NOT NULL,
    file_id_modifier  text        NOT NULL,
    batch_count       integer     NOT NULL,
    entry_count       integer     NOT NULL,
    total_debit_cents bigint      NOT NULL,
    -- The whole file (it holds account numbers), encrypted; rewritten from here after a crash.
    content_ciphertext text       NOT NULL,
    -- Batches and entries with account numbers masked, for the CLI.
    summary           jsonb       NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    written_at        timestamptz,
    UNIQUE (created_on, file_id_modifier)
);

-- One row per collection attempt of an installment (policy_id, entry_number). A refusal is a
-- failed attempt that never reached a rail.
CREATE TABLE collector.payments (
    payment_id          text        PRIMARY KEY,
    policy_id           text        NOT NULL,
    entry_number        integer     NOT NULL,
    attempt             integer     NOT NULL CHECK (attempt >= 1),
    message_id          text        NOT NULL,
    rail                text        CHECK (rail IN ('card', 'ach')),
    processor           text,
    amount_cents        bigint      NOT NULL,
    fee_cents           bigint      NOT NULL DEFAULT 0,
    currency            text        NOT NULL,
    status              text        NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'unknown', 'returned', 'settled')),
    failure_code        text,
    failure_message     text,
    retryable           boolean,
    idempotency_key     text        UNIQUE,
    processor_reference text,
    payment_method      jsonb,
    decision            jsonb       NOT NULL,
    -- ACH only.
    sec_code            text,
    effective_date      date,
    trace_number        text        UNIQUE,
    account_ciphertext  text,
    receiver_name       text,
    individual_id       text,
    ach_file_id         bigint      REFERENCES collector.ach_files,
    created_at          timestamptz NOT NULL DEFAULT now(),
    decided_at          timestamptz,
    UNIQUE (policy_id, entry_number, attempt)
);
CREATE INDEX payments_by_policy ON collector.payments (policy_id, entry_number);
CREATE INDEX payments_unresolved ON collector.payments (created_at) WHERE rail = 'card' AND status IN ('pending', 'unknown');
CREATE INDEX payments_unfiled ON collector.payments (created_at) WHERE rail = 'ach' AND status = 'pending' AND ach_file_id IS NULL;

-- The sandbox card processor stands in for an external system, so it keeps its own books: every
-- call it received, written on its own connection (it survives the collector's rollbacks).
CREATE SCHEMA IF NOT EXISTS sandbox;

CREATE TABLE sandbox.card_calls (
    id              bigserial   PRIMARY KEY,
    processor       text        NOT NULL,
    kind            text        NOT NULL CHECK (kind IN ('charge', 'status')),
    idempotency_key text        NOT NULL,
    token           text,
    amount_cents    bigint,
    -- approved, soft_decline:<code>, hard_decline:<code>, not_found
    outcome         text        NOT NULL,
    reference       text,
    -- A charge repeating a key already charged: answered from the first one, nothing charged.
    replay          boolean     NOT NULL DEFAULT false,
    received_at     timestamptz NOT NULL DEFAULT now()
);
-- At most one real charge per idempotency key, even under concurrent calls.
CREATE UNIQUE INDEX card_calls_one_charge_per_key ON sandbox.card_calls (idempotency_key) WHERE kind = 'charge' AND NOT replay;
CREATE INDEX card_calls_by_key ON sandbox.card_calls (idempotency_key);
