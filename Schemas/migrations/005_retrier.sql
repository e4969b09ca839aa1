-- The retrier's state (docs/retrier.md): what it knows of each policy (state, delinquency) and
-- installment (amount, the installment.due to present again, retry budget), every failure it
-- classified, every retry it scheduled (one row per installment + attempt: a duplicated failure
-- cannot schedule a second one), the delinquency history, return fees and the operators' actions.
CREATE SCHEMA IF NOT EXISTS retrier;

CREATE TABLE retrier.policies (
    policy_id                  text        PRIMARY KEY,
    state                      text        NOT NULL DEFAULT '',
    stage                      text        NOT NULL DEFAULT 'current'
        CHECK (stage IN ('current', 'past_due', 'notice_sent', 'cancellation_requested', 'cancelled')),
    past_due_since             date,
    notice_requested_on        date,
    earliest_cancellation_date date,
    updated_at                 timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX ON retrier.policies (stage) WHERE stage IN ('past_due', 'notice_sent');

CREATE TABLE retrier.installments (
    policy_id            text        NOT NULL REFERENCES retrier.policies,
    entry_number         integer     NOT NULL,
    amount_cents         bigint      NOT NULL,
    schedule_date        date        NOT NULL,
    -- The scheduler's installment.due data, presented again with a higher attempt.
    due_data             jsonb       NOT NULL,
    status               text        NOT NULL DEFAULT 'open'
        CHECK (status IN ('open', 'retrying', 'stopped', 'paid', 'written_off', 'invalid')),
    last_attempt         integer     NOT NULL DEFAULT 1,
    last_payment_id      text,
    last_failure_code    text,
    stop_rule            text,
    stop_reason          text,
    -- The current retry budget: its first attempt and the day it was made (a new method resets it).
    budget_start_attempt integer     NOT NULL DEFAULT 1,
    budget_started_on    date        NOT NULL,
    -- The first ACH presentment's settlement (effective) date: the 180-day reinitiation window.
    original_settlement  date,
    updated_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (policy_id, entry_number)
);

CREATE TABLE retrier.failures (
    payment_id   text        PRIMARY KEY,
    policy_id    text        NOT NULL,
    entry_number integer     NOT NULL,
    attempt      integer     NOT NULL,
    event_type   text        NOT NULL,
    failure_code text        NOT NULL,
    decision     jsonb       NOT NULL,
    learned_on   date        NOT NULL,
    event_id     text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE retrier.retries (
    policy_id      text        NOT NULL,
    entry_number   integer     NOT NULL,
    attempt        integer     NOT NULL CHECK (attempt >= 2),
    retry_of       text        NOT NULL,
    retry_on       date        NOT NULL,
    rule           text        NOT NULL,
    reason         text        NOT NULL,
    status         text        NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'published', 'cancelled')),
    status_reason  text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    published_at   timestamptz,
    PRIMARY KEY (policy_id, entry_number, attempt),
    FOREIGN KEY (policy_id, entry_number) REFERENCES retrier.installments
);

CREATE INDEX ON retrier.retries (retry_on) WHERE status = 'scheduled';

CREATE TABLE retrier.history (
    id          bigserial   PRIMARY KEY,
    policy_id   text        NOT NULL REFERENCES retrier.policies,
    from_stage  text        NOT NULL,
    to_stage    text        NOT NULL,
    changed_on  date        NOT NULL,
    past_due_cents bigint   NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX ON retrier.history (policy_id, id);

CREATE TABLE retrier.fees (
    fee_id        text        PRIMARY KEY,
    policy_id     text        NOT NULL,
    entry_number  integer     NOT NULL,
    kind          text        NOT NULL CHECK (kind IN ('return_fee')),
    code          text        NOT NULL,
    amount_cents  bigint      NOT NULL CHECK (amount_cents > 0),
    rule          text        NOT NULL,
    status        text        NOT NULL DEFAULT 'assessed' CHECK (status IN ('assessed', 'waived')),
    assessed_on   date        NOT NULL,
    waived_on     date,
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- Every manual recovery action (coverpay recovery …): who, why, what it did.
CREATE TABLE retrier.actions (
    id           bigserial   PRIMARY KEY,
    action       text        NOT NULL,
    policy_id    text        NOT NULL,
    entry_number integer,
    operator     text        NOT NULL,
    reason       text        NOT NULL,
    detail       jsonb       NOT NULL DEFAULT '{}',
    acted_at     timestamptz NOT NULL DEFAULT now()
);
