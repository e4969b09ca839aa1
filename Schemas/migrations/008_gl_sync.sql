-- General-ledger sync state (docs/gl-sync.md). Owned by accounting-sync. The ledger (007) stays
-- append-only; this schema records which journal entries have reached QuickBooks Online.
CREATE SCHEMA IF NOT EXISTS gl;

-- The work queue: every journal entry not yet in QuickBooks. A row is written by a trigger in the
-- same transaction as the entry itself, so it becomes visible exactly when the entry commits --
-- whatever order concurrent postings commit in (a high-water mark over entry ids could skip an
-- entry whose transaction committed after a later id had been synced). `batch_id` is set while
-- the entry rides in an unanswered batch.
CREATE TABLE gl.pending_entries (
    entry_id bigint PRIMARY KEY REFERENCES ledger.journal_entries,
    batch_id bigint
);
CREATE INDEX pending_entries_by_batch ON gl.pending_entries (batch_id);

CREATE FUNCTION gl.queue_journal_entry() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO gl.pending_entries (entry_id) VALUES (NEW.entry_id);
    RETURN NULL;
END $$;

CREATE TRIGGER journal_entry_queued_for_gl AFTER INSERT ON ledger.journal_entries
    FOR EACH ROW EXECUTE FUNCTION gl.queue_journal_entry();

-- Entries posted before this migration have never been sent either.
INSERT INTO gl.pending_entries (entry_id) SELECT entry_id FROM ledger.journal_entries;

-- One QuickBooks batch request, stored exactly as sent before it is sent, so that a resend after a
-- crash repeats the same body under the same `requestid` (QuickBooks answers a repeated requestid
-- with the first answer instead of creating again).
CREATE TABLE gl.batches (
    batch_id     bigserial   PRIMARY KEY,
    request_id   text        NOT NULL UNIQUE,
    realm_id     text        NOT NULL,
    mode         text        NOT NULL CHECK (mode IN ('detailed', 'daily_summary')),
    body         text        NOT NULL,
    status       text        NOT NULL CHECK (status IN ('sending', 'answered')),
    sends        integer     NOT NULL DEFAULT 0,
    created_at   timestamptz NOT NULL DEFAULT now(),
    answered_at  timestamptz
);
-- At most one unanswered batch: it is resent before anything new is composed.
CREATE UNIQUE INDEX batches_one_sending ON gl.batches ((true)) WHERE status = 'sending';

-- The QuickBooks JournalEntry documents of a batch (`bid` = BatchItemRequest bId) and the ledger
-- entries each one carries: one entry in detailed mode, a day's entries in daily-summary mode.
-- `sent` is false for a summary whose lines net to nothing (recorded, not sent).
CREATE TABLE gl.documents (
    batch_id   bigint   NOT NULL REFERENCES gl.batches,
    bid        text     NOT NULL,
    entry_ids  bigint[] NOT NULL,
    sent       boolean  NOT NULL,
    qbo_id     text,
    fault      text,
    PRIMARY KEY (batch_id, bid)
);

-- Entries QuickBooks has (or that netted to nothing in a daily summary). Never sent again.
CREATE TABLE gl.synced_entries (
    entry_id   bigint      PRIMARY KEY REFERENCES ledger.journal_entries,
    batch_id   bigint      NOT NULL REFERENCES gl.batches,
    bid        text        NOT NULL,
    qbo_id     text,
    synced_at  timestamptz NOT NULL DEFAULT now()
);

-- One row: the last outcome, for `coverpay gl sync status`, and the newest refresh token (Intuit
-- rotates it; `refresh_token_seed_sha256` hashes the configured token it descends from, so a
-- newly configured token wins over a stored descendant of an older one).
CREATE TABLE gl.sync_state (
    singleton          boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
    last_sync_at       timestamptz,
    last_batch_id      bigint,
    last_request_at    timestamptz,
    last_error_code    text,
    last_error         text,
    last_error_at      timestamptz,
    last_error_retriable boolean,
    refresh_token      text,
    refresh_token_seed_sha256 text
);
INSERT INTO gl.sync_state DEFAULT VALUES;
