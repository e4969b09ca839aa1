-- Least privilege (docs/security.md, "Roles and users"): one role per worker, an operator role for
-- the CLI and a role for the sandbox bank. The role running the migrations (the migration owner)
-- owns every schema and table; the others get only what their SQL needs, so PostgreSQL itself
-- refuses, e.g., the collector writing the ledger or the scheduler reading sealed account numbers.
--
-- Roles are cluster-wide, so they are created only when missing and NOLOGIN: the deployment
-- (Deploy/local/services, docker-compose) gives them LOGIN and a password. Every statement below is
-- idempotent, so a second database on the same cluster (the test bed) migrates the same way.
DO $$
DECLARE
    role_name text;
BEGIN
    FOREACH role_name IN ARRAY ARRAY[
        'coverpay_scheduler', 'coverpay_collector', 'coverpay_retrier', 'coverpay_reconciler',
        'coverpay_accounting_sync', 'coverpay_operator', 'coverpay_sandbox'
    ] LOOP
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = role_name) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', role_name);
        END IF;
    END LOOP;
END $$;

-- Shared tables (coverpay.*), for every worker: the inbox rows it records, the outbox rows it
-- writes and its relay publishes and deletes (SELECT ... FOR UPDATE needs UPDATE), the timeline
-- rows it appends, the business clock and the migration list it reads. The DLQ audit is the
-- operator's alone.
GRANT USAGE ON SCHEMA coverpay TO coverpay_scheduler, coverpay_collector, coverpay_retrier,
    coverpay_reconciler, coverpay_accounting_sync, coverpay_operator, coverpay_sandbox;
GRANT SELECT ON coverpay.business_clock, coverpay.schema_migrations TO coverpay_scheduler,
    coverpay_collector, coverpay_retrier, coverpay_reconciler, coverpay_accounting_sync, coverpay_sandbox;
GRANT SELECT, INSERT ON coverpay.inbox, coverpay.payment_events TO coverpay_scheduler,
    coverpay_collector, coverpay_retrier, coverpay_reconciler, coverpay_accounting_sync;
GRANT SELECT, INSERT, UPDATE, DELETE ON coverpay.outbox TO coverpay_scheduler, coverpay_collector,
    coverpay_retrier, coverpay_reconciler, coverpay_accounting_sync;
GRANT USAGE ON SEQUENCE coverpay.outbox_id_seq, coverpay.payment_events_seq_seq TO coverpay_scheduler,
    coverpay_collector, coverpay_retrier, coverpay_reconciler, coverpay_accounting_sync;

-- The outbox is one table for the fleet; row-level security keeps each worker to its own rows
-- (producer = its name, e.g. coverpay_accounting_sync -> accounting-sync): it cannot delete,
-- publish or forge another worker's events. The operator sees every row; the owner is not
-- subject to the policies.
ALTER TABLE coverpay.outbox ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS own_rows ON coverpay.outbox;
CREATE POLICY own_rows ON coverpay.outbox
    TO coverpay_scheduler, coverpay_collector, coverpay_retrier, coverpay_reconciler, coverpay_accounting_sync
    USING (producer = replace(substring(current_user FROM 10), '_', '-'))
    WITH CHECK (producer = replace(substring(current_user FROM 10), '_', '-'));
DROP POLICY IF EXISTS every_row ON coverpay.outbox;
CREATE POLICY every_row ON coverpay.outbox TO coverpay_operator USING (true) WITH CHECK (true);

-- Each worker's own schemas: every row of every table, now and in later migrations (default
-- privileges of the migration owner), but no DDL. accounting-sync keeps two: its books
-- (accounting) and the GL sync (gl).
DO $$
DECLARE
    grant_pair text[];
BEGIN
    FOREACH grant_pair SLICE 1 IN ARRAY ARRAY[
        ['scheduler', 'coverpay_scheduler'], ['collector', 'coverpay_collector'],
        ['retrier', 'coverpay_retrier'], ['reconciler', 'coverpay_reconciler'],
        ['accounting', 'coverpay_accounting_sync'], ['gl', 'coverpay_accounting_sync'],
        ['sandbox', 'coverpay_sandbox']
    ] LOOP
        EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', grant_pair[1], grant_pair[2]);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO %I', grant_pair[1], grant_pair[2]);
        EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO %I', grant_pair[1], grant_pair[2]);
        EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I', grant_pair[1], grant_pair[2]);
        EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT USAGE, SELECT ON SEQUENCES TO %I', grant_pair[1], grant_pair[2]);
    END LOOP;
END $$;

-- The ledger: written by accounting-sync alone, and only appended to (its triggers refuse any
-- change to a posted entry; without UPDATE and DELETE PostgreSQL refuses them first).
GRANT USAGE ON SCHEMA ledger TO coverpay_accounting_sync, coverpay_operator;
GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA ledger TO coverpay_accounting_sync;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ledger TO coverpay_accounting_sync;
ALTER DEFAULT PRIVILEGES IN SCHEMA ledger GRANT SELECT, INSERT ON TABLES TO coverpay_accounting_sync;
ALTER DEFAULT PRIVILEGES IN SCHEMA ledger GRANT USAGE, SELECT ON SEQUENCES TO coverpay_accounting_sync;

-- The collector's sandbox card processor runs inside the collector (a stand-in for an outside
-- processor's API) and keeps its own record of every call: it may add and read those rows, and
-- nothing else of the sandbox bank.
GRANT USAGE ON SCHEMA sandbox TO coverpay_collector, coverpay_operator;
GRANT SELECT, INSERT ON sandbox.card_calls TO coverpay_collector;
GRANT USAGE ON SEQUENCE sandbox.card_calls_id_seq TO coverpay_collector;

-- The operator (the `coverpay` CLI, an on-call person): reads everything; changes the shared
-- tables and the workers' own (clock, DLQ audit, manual recovery, routing rules, recon imports,
-- GL commands), never the ledger or the sandbox bank's books (the CLI's sandbox commands connect
-- as the sandbox), and no DDL (migrations run as the owner).
DO $$
DECLARE
    schema_name text;
BEGIN
    FOREACH schema_name IN ARRAY ARRAY['coverpay', 'scheduler', 'collector', 'retrier', 'reconciler', 'accounting', 'gl', 'ledger', 'sandbox'] LOOP
        EXECUTE format('GRANT USAGE ON SCHEMA %I TO coverpay_operator', schema_name);
        EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO coverpay_operator', schema_name);
        EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT ON TABLES TO coverpay_operator', schema_name);
        IF schema_name NOT IN ('ledger', 'sandbox') THEN
            EXECUTE format('GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO coverpay_operator', schema_name);
            EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO coverpay_operator', schema_name);
            EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT INSERT, UPDATE, DELETE ON TABLES TO coverpay_operator', schema_name);
            EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT USAGE, SELECT ON SEQUENCES TO coverpay_operator', schema_name);
        END IF;
    END LOOP;
END $$;

-- schema_migrations is the migration owner's: the operator reads it (status), never edits it.
REVOKE INSERT, UPDATE, DELETE ON coverpay.schema_migrations FROM coverpay_operator;

-- The operator sees every session's state in pg_stat_activity (on call: which worker holds a
-- transaction open, and since when). PostgreSQL 15 lets the owner (CREATEROLE) grant it; where it
-- may not (16 and later), a superuser grants it by hand.
DO $$
BEGIN
    GRANT pg_read_all_stats TO coverpay_operator;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'pg_read_all_stats was not granted to coverpay_operator: a superuser must grant it';
END $$;
