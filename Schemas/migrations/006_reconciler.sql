-- The reconciler's state (docs/reconciliation.md): what CoverPay sent (expected items, built from
-- payment.attempted / payment.succeeded), every bank and processor file imported and each of its
-- lines, and the exceptions an operator resolves. And the sandbox bank's own books (sandbox.bank_*),
-- written only by `coverpay sandbox bank settle`. Amounts are integer cents.
CREATE SCHEMA IF NOT EXISTS reconciler;

-- One row per collection attempt. `reference` is the ACH trace number or the card processor's
-- reference: the exact key bank and processor lines carry.
CREATE TABLE reconciler.expected_items (
    payment_id          text        PRIMARY KEY,
    policy_id           text        NOT NULL,
    entry_number        integer     NOT NULL,
    attempt             integer     NOT NULL,
    rail                text        NOT NULL CHECK (rail IN ('card', 'ach')),
    processor           text,
    reference           text,
    amount_cents        bigint      NOT NULL,
    currency            text        NOT NULL,
    -- ACH: the effective entry date; card: the business date of the capture.
    expected_on         date        NOT NULL,
    -- The collector's common payment fields, repeated in every event the reconciler publishes.
    payment             jsonb       NOT NULL,
    status              text        NOT NULL DEFAULT 'UNMATCHED'
                        CHECK (status IN ('MATCHED', 'PARTIALLY_MATCHED', 'UNMATCHED', 'MISMATCHED', 'RESOLVED')),
    -- ACH: the statement date of the deposit, and whether payment.succeeded went out for it.
    deposited_on        date,
    succeeded_published boolean     NOT NULL DEFAULT false,
    settled_on          date,
    returned_on         date,
    processor_fee_cents bigint,
    created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX expected_items_by_reference ON reconciler.expected_items (rail, reference) WHERE reference IS NOT NULL;
-- The settlement job's scan: ACH deposits not yet final nor returned.
CREATE INDEX expected_items_awaiting_settlement ON reconciler.expected_items (deposited_on)
    WHERE rail = 'ach' AND settled_on IS NULL AND returned_on IS NULL AND deposited_on IS NOT NULL;

-- Every file imported, once: the content hash is unique, so a file seen before (under any name,
-- by any replica) is skipped.
CREATE TABLE reconciler.files (
    id             bigserial   PRIMARY KEY,
    file_name      text        NOT NULL,
    kind           text        NOT NULL CHECK (kind IN ('nacha_return', 'bai2', 'settlement_csv')),
    content_sha256 text        NOT NULL UNIQUE,
    business_date  date        NOT NULL,
    line_count     integer     NOT NULL,
    total_cents    bigint      NOT NULL,
    imported_by    text        NOT NULL,
    imported_at    timestamptz NOT NULL DEFAULT now()
);

-- Every line of every file: a deposit (BAI2 16), a return or notification of change (NACHA), a
-- charge, refund or chargeback (settlement CSV).
CREATE TABLE reconciler.items (
    id           bigserial   PRIMARY KEY,
    file_id      bigint      NOT NULL REFERENCES reconciler.files,
    kind         text        NOT NULL CHECK (kind IN ('deposit', 'return', 'notification_of_change', 'charge', 'refund', 'chargeback')),
    reference    text        NOT NULL,
    amount_cents bigint      NOT NULL,
    fee_cents    bigint      NOT NULL DEFAULT 0,
    item_date    date        NOT NULL,
    detail       jsonb       NOT NULL DEFAULT '{}',
    payment_id   text        REFERENCES reconciler.expected_items,
    status       text        NOT NULL DEFAULT 'UNMATCHED'
                 CHECK (status IN ('MATCHED', 'PARTIALLY_MATCHED', 'UNMATCHED', 'MISMATCHED', 'RESOLVED')),
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX items_by_reference ON reconciler.items (reference);
CREATE INDEX items_unmatched ON reconciler.items (created_at) WHERE status = 'UNMATCHED';

-- What an operator must look at. One open exception per (kind, subject): a line or an attempt.
CREATE TABLE reconciler.exceptions (
    id           bigserial   PRIMARY KEY,
    kind         text        NOT NULL,
    -- The rail of the line or attempt: `reference` is an ACH trace number or a card processor reference.
    rail         text        NOT NULL CHECK (rail IN ('card', 'ach')),
    status       text        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'RESOLVED')),
    amount_cents bigint      NOT NULL,
    reference    text        NOT NULL,
    item_id      bigint      REFERENCES reconciler.items,
    payment_id   text        REFERENCES reconciler.expected_items,
    detail       text        NOT NULL,
    opened_on    date        NOT NULL,
    resolved_by  text,
    resolution   text,
    resolved_at  timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX exceptions_one_per_item ON reconciler.exceptions (kind, item_id) WHERE item_id IS NOT NULL;
CREATE UNIQUE INDEX exceptions_one_per_payment ON reconciler.exceptions (kind, payment_id) WHERE item_id IS NULL AND payment_id IS NOT NULL;

-- The sandbox bank's books: each debit it received (by trace number) and what it did with it, so
-- an entry is settled and returned at most once however often `sandbox bank settle` runs.
CREATE SCHEMA IF NOT EXISTS sandbox;

CREATE TABLE sandbox.bank_entries (
    trace_number   text        PRIMARY KEY,
    source_file    text        NOT NULL,
    effective_date date        NOT NULL,
    amount_cents   bigint      NOT NULL,
    account_last4  text        NOT NULL,
    presentment    integer     NOT NULL,
    settled_on     date,
    return_code    text,
    return_due_on  date,
    returned_on    date
);

-- Card charges the sandbox processor has settled, and chargebacks it has sent.
CREATE TABLE sandbox.bank_card_settlements (
    reference   text        NOT NULL,
    kind        text        NOT NULL CHECK (kind IN ('charge', 'chargeback')),
    settled_on  date        NOT NULL,
    PRIMARY KEY (reference, kind)
);

-- One row per `settle` run: the files it sends ({name: content}), committed with the books and
-- written to the reconciler's inbound folder afterwards (again on the next run if that failed).
CREATE TABLE sandbox.bank_runs (
    id         bigserial   PRIMARY KEY,
    run_date   date        NOT NULL,
    files      jsonb       NOT NULL DEFAULT '{}',
    written_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
