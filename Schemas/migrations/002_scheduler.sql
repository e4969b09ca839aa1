-- The scheduler's state: one row per policy (the schedule value and sequencing), one row per entry
-- (queried by the due scan and `schedule show`), the revision history, and events parked on a gap.
CREATE SCHEMA IF NOT EXISTS scheduler;

CREATE TABLE scheduler.policies (
    policy_id     text        PRIMARY KEY,
    last_sequence integer     NOT NULL DEFAULT 0,
    rail          text        NOT NULL DEFAULT 'card' CHECK (rail IN ('card', 'ach')),
    -- Copied from the issuance for the installment.due payload and operator queries.
    policy_number    text,
    state            text,
    line_of_business text,
    carrier_id       text,
    agency_id        text,
    schedule      jsonb       NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE scheduler.entries (
    policy_id        text        NOT NULL REFERENCES scheduler.policies,
    entry_number     integer     NOT NULL,
    schedule_date    date        NOT NULL,
    due_date         date        NOT NULL,
    transaction      text        NOT NULL,
    status           text        NOT NULL CHECK (status IN ('Valid', 'Invalid')),
    is_paid          boolean     NOT NULL,
    premium_cents    bigint      NOT NULL,
    fee_cents        bigint      NOT NULL,
    tax_cents        bigint      NOT NULL,
    total_cents      bigint      NOT NULL,
    entry_json       jsonb       NOT NULL,
    due_published_at timestamptz,
    PRIMARY KEY (policy_id, entry_number)
);
-- The due scan reads only open entries not yet announced.
CREATE INDEX entries_due ON scheduler.entries (due_date)
    WHERE status = 'Valid' AND NOT is_paid AND due_published_at IS NULL;

CREATE TABLE scheduler.entry_revisions (
    id           bigserial   PRIMARY KEY,
    policy_id    text        NOT NULL,
    entry_number integer     NOT NULL,
    event_id     text        NOT NULL,
    cause        text        NOT NULL,
    entry        jsonb       NOT NULL,
    at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX entry_revisions_by_entry ON scheduler.entry_revisions (policy_id, entry_number, id);

CREATE TABLE scheduler.parked_events (
    policy_id  text        NOT NULL,
    sequence   integer     NOT NULL,
    event_id   text        NOT NULL UNIQUE,
    body       text        NOT NULL,
    parked_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (policy_id, sequence)
);
