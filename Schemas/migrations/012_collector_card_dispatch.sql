-- Card charges leave the message's transaction (docs/collection.md, "Exactly one charge"): the
-- handler only claims an attempt; a dispatcher per replica sends many at once and records their
-- outcomes in batches. Owned by the collector.

-- When a request for the attempt last went to the processor; NULL: never (only then may a charge
-- be sent without first asking for the key's status). Committed before every call.
ALTER TABLE collector.payments ADD COLUMN sent_at timestamptz;
-- The trace of the installment.due that claimed the attempt, for the outcome events recorded later.
ALTER TABLE collector.payments ADD COLUMN trace_id text;

-- Attempts claimed before this migration were charged inside the claim's handler: treat every
-- open one as possibly sent, so that it is settled by a status query.
UPDATE collector.payments SET sent_at = created_at WHERE rail = 'card' AND status IN ('pending', 'unknown');
