-- Unapplied cash on a policy (docs/accounting.md): money that paid no entry yet, kept by the
-- scheduler, which decides what it pays. Owned by the scheduler.
ALTER TABLE scheduler.policies ADD COLUMN unapplied_cents bigint NOT NULL DEFAULT 0 CHECK (unapplied_cents >= 0);
