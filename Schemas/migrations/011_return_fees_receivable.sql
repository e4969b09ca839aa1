-- Return fees are accrued when assessed (docs/accounting.md): the insured owes them (1040) and
-- their income waits in 2080 until a payment brings them in and is final. Owned by accounting-sync.
INSERT INTO ledger.accounts (code, name, kind, fiduciary) VALUES ('1040', 'Return fees receivable', 'asset', NULL)
ON CONFLICT (code) DO NOTHING;
