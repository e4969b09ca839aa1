-- accounting-sync's own copies of what it needs to post (docs/accounting.md): the policy's carrier
-- and commission rate, each installment's premium / fee / tax split, what each payment posted, the
-- return fees assessed, the sweeps, and the trust check's progress. Owned by accounting-sync.
CREATE SCHEMA IF NOT EXISTS accounting;

CREATE TABLE accounting.policies (
    policy_id       text PRIMARY KEY,
    policy_number   text,
    carrier_id      text NOT NULL,
    agency_id       text,
    commission_rate text NOT NULL,
    state           text,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- From installment.due: the split a collection of the entry is posted with.
CREATE TABLE accounting.installments (
    policy_id     text    NOT NULL REFERENCES accounting.policies,
    entry_number  integer NOT NULL,
    premium_cents bigint  NOT NULL,
    fee_cents     bigint  NOT NULL,
    tax_cents     bigint  NOT NULL,
    written_off   boolean NOT NULL DEFAULT false,
    PRIMARY KEY (policy_id, entry_number)
);

-- What a collection posted, so settlement recognises and a return reverses exactly that.
CREATE TABLE accounting.payments (
    payment_id        text    PRIMARY KEY,
    policy_id         text    NOT NULL REFERENCES accounting.policies,
    entry_number      integer NOT NULL,
    rail              text    NOT NULL CHECK (rail IN ('card', 'ach')),
    carrier_id        text    NOT NULL,
    total_cents       bigint  NOT NULL,
    carrier_net_cents bigint  NOT NULL,
    tax_cents         bigint  NOT NULL,
    commission_cents  bigint  NOT NULL,
    fees_cents        bigint  NOT NULL,
    return_fees_cents bigint  NOT NULL,
    status            text    NOT NULL CHECK (status IN ('collected', 'settled', 'returned')),
    collected_on      date    NOT NULL,
    settled_on        date,
    unapplied         boolean NOT NULL DEFAULT false
);
CREATE INDEX payments_by_carrier ON accounting.payments (carrier_id, status);

-- Return fees (fee.assessed / fee.waived): owed by the insured, posted only when collected.
CREATE TABLE accounting.return_fees (
    fee_id       text    PRIMARY KEY,
    policy_id    text    NOT NULL,
    entry_number integer,
    amount_cents bigint  NOT NULL,
    status       text    NOT NULL CHECK (status IN ('assessed', 'waived', 'collected', 'written_off')),
    payment_id   text
);
CREATE INDEX return_fees_by_entry ON accounting.return_fees (policy_id, entry_number, status);

-- How far the trust check has looked: one row, claimed FOR UPDATE SKIP LOCKED by one replica.
CREATE TABLE accounting.trust_check_state (
    singleton           boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    checked_through_id  bigint  NOT NULL DEFAULT 0,
    last_shortfall_cents bigint NOT NULL DEFAULT 0,
    checked_at          timestamptz
);
INSERT INTO accounting.trust_check_state DEFAULT VALUES;
