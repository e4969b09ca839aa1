-- The double-entry ledger (DESIGN §8, docs/payment-loop.md). Owned by accounting-sync: an
-- append-only journal whose every entry balances, enforced here, in the database, so that no code
-- path can commit an unbalanced or edited entry. Amounts are integer cents.
CREATE SCHEMA IF NOT EXISTS ledger;

-- The chart of accounts. Codes and names are configurable (rows here); the defaults are DESIGN §8's.
-- Per-carrier payables are sub-accounts `2010-<carrier_id>` under 2010, created on first use.
CREATE TABLE ledger.accounts (
    code        text        PRIMARY KEY,
    name        text        NOT NULL,
    kind        text        NOT NULL CHECK (kind IN ('asset', 'liability', 'income', 'expense', 'equity')),
    parent_code text        REFERENCES ledger.accounts,
    carrier_id  text,
    -- Trust cash, and the liabilities it must cover (carrier payables, premium tax, refunds).
    fiduciary   text        CHECK (fiduciary IN ('trust_cash', 'liability')),
    created_at  timestamptz NOT NULL DEFAULT now()
);

INSERT INTO ledger.accounts (code, name, kind, fiduciary) VALUES
    ('1010', 'Premium trust cash', 'asset', 'trust_cash'),
    ('1020', 'Operating cash', 'asset', NULL),
    ('1030', 'Card processor clearing', 'asset', NULL),
    ('1035', 'ACH in transit', 'asset', NULL),
    ('2010', 'Carrier premium payable', 'liability', 'liability'),
    ('2020', 'Premium tax payable', 'liability', 'liability'),
    ('2060', 'Unapplied cash', 'liability', NULL),
    ('2070', 'Commission pending finality', 'liability', NULL),
    ('2080', 'Fees pending finality', 'liability', NULL),
    ('2090', 'Refunds payable', 'liability', 'liability'),
    ('4010', 'Commission income', 'income', NULL),
    ('4020', 'Installment fee income', 'income', NULL),
    ('4030', 'Return fee income', 'income', NULL),
    ('5010', 'Processor fees', 'expense', NULL);

-- One journal entry per (event, rule version, leg): `idempotency_key` makes a redelivered or
-- duplicated event post nothing twice. A correction is a new entry that reverses an old one.
CREATE TABLE ledger.journal_entries (
    entry_id          bigserial   PRIMARY KEY,
    idempotency_key   text        NOT NULL UNIQUE,
    event_id          text        NOT NULL,
    event_type        text        NOT NULL,
    rule              text        NOT NULL,
    rule_version      integer     NOT NULL,
    policy_id         text,
    entry_number      integer,
    payment_id        text,
    carrier_id        text,
    posted_on         date        NOT NULL,
    memo              text        NOT NULL,
    reverses_entry_id bigint      UNIQUE REFERENCES ledger.journal_entries,
    posted_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX journal_entries_by_policy ON ledger.journal_entries (policy_id, entry_id);
CREATE INDEX journal_entries_by_date ON ledger.journal_entries (posted_on, entry_id);
CREATE INDEX journal_entries_by_event ON ledger.journal_entries (event_id);

CREATE TABLE ledger.journal_lines (
    entry_id     bigint  NOT NULL REFERENCES ledger.journal_entries,
    line_number  integer NOT NULL CHECK (line_number >= 1),
    account_code text    NOT NULL REFERENCES ledger.accounts,
    debit_cents  bigint  NOT NULL DEFAULT 0 CHECK (debit_cents >= 0),
    credit_cents bigint  NOT NULL DEFAULT 0 CHECK (credit_cents >= 0),
    -- Exactly one side of a line carries money.
    CHECK ((debit_cents = 0) <> (credit_cents = 0)),
    PRIMARY KEY (entry_id, line_number)
);
CREATE INDEX journal_lines_by_account ON ledger.journal_lines (account_code, entry_id);

-- Balance, checked at commit (deferred), once per touched entry: debits equal credits and the
-- entry has at least two lines. Raises check_violation, so the whole transaction rolls back.
CREATE FUNCTION ledger.check_entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    checked_id bigint := NEW.entry_id;
    debits bigint;
    credits bigint;
    lines integer;
BEGIN
    SELECT coalesce(sum(debit_cents), 0), coalesce(sum(credit_cents), 0), count(*)
      INTO debits, credits, lines
      FROM ledger.journal_lines WHERE entry_id = checked_id;
    IF lines < 2 OR debits <> credits THEN
        RAISE EXCEPTION 'journal entry % is unbalanced: % lines, debits % cents, credits % cents',
            checked_id, lines, debits, credits USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER journal_entry_balanced AFTER INSERT ON ledger.journal_entries
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger.check_entry_balanced();
CREATE CONSTRAINT TRIGGER journal_lines_balanced AFTER INSERT ON ledger.journal_lines
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger.check_entry_balanced();

-- Append-only: posted entries and lines are never edited or deleted.
CREATE FUNCTION ledger.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the ledger is append-only: % on % is refused; post a reversing entry instead', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER journal_entries_append_only BEFORE UPDATE OR DELETE ON ledger.journal_entries
    FOR EACH ROW EXECUTE FUNCTION ledger.refuse_change();
CREATE TRIGGER journal_lines_append_only BEFORE UPDATE OR DELETE ON ledger.journal_lines
    FOR EACH ROW EXECUTE FUNCTION ledger.refuse_change();
