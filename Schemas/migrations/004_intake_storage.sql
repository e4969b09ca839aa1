-- Cheaper writes on the intake path (docs/benchmarks.md). The schedule value is read and written
-- only by the scheduler, in the engine's own compact encoding, so it is stored as text: PostgreSQL no
-- longer parses it as jsonb on every write. Large values are compressed with lz4 instead of pglz,
-- which cost the server more CPU than any single statement.
ALTER TABLE scheduler.policies
    ALTER COLUMN schedule TYPE text USING schedule::text,
    ALTER COLUMN schedule SET COMPRESSION lz4;
-- An entry row keeps what the due scan and reports read; its details live in the schedule value
-- and in every revision, so the row's own copy of them (written on every change, read by nothing)
-- goes.
ALTER TABLE scheduler.entries DROP COLUMN entry_json;
-- The revision history is written on every change and only ever read whole, so `json` (checked,
-- kept as text) rather than `jsonb` (converted to binary with sorted keys on every insert).
ALTER TABLE scheduler.entry_revisions
    ALTER COLUMN entry TYPE json USING entry::json,
    ALTER COLUMN entry SET COMPRESSION lz4;
-- Entries are written only by the scheduler while it holds their policy's row lock, in the same
-- transaction; the foreign key's per-row check (a query per entry, about a tenth of the server's
-- CPU on intake) guarded nothing that lock does not.
ALTER TABLE scheduler.entries DROP CONSTRAINT entries_policy_id_fkey;
ALTER TABLE scheduler.parked_events ALTER COLUMN body SET COMPRESSION lz4;
ALTER TABLE coverpay.outbox ALTER COLUMN body SET COMPRESSION lz4;
ALTER TABLE coverpay.payment_events ALTER COLUMN body SET COMPRESSION lz4;
