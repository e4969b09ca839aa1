-- The stored schedule has one form, version 1 (PolicySchedule+StoredForm.swift), read through the
-- project's one JSON parser. Rows still in the older `JSONEncoder` form (written before version 1
-- existed: no "v" key, camelCase keys, objects per entry and detail, money as decimal strings) are
-- rewritten into it here, so the scheduler carries no second reader for them. Optional members
-- that form left out come out as null, which version 1 reads as absent.
CREATE FUNCTION pg_temp.stored_cents(amounts jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT jsonb_build_array(
        ((amounts->>'premium')::numeric * 100)::bigint,
        ((amounts->>'fee')::numeric * 100)::bigint,
        ((amounts->>'tax')::numeric * 100)::bigint)
$$;

UPDATE scheduler.policies p SET schedule = jsonb_build_object(
    'v', 1,
    'id', s->'policyID',
    'st', s->'state',
    'is', CASE WHEN jsonb_typeof(s->'issuance') = 'object' THEN jsonb_build_object(
        'number', s->'issuance'->'policyNumber', 'state', s->'issuance'->'state', 'line', s->'issuance'->'lineOfBusiness',
        'term', jsonb_build_array(s->'issuance'->'term'->'start', s->'issuance'->'term'->'end'),
        'currency', s->'issuance'->'currency',
        'frequency', s->'issuance'->'billing'->'frequency', 'method', s->'issuance'->'billing'->'method',
        'payment_method', s->'issuance'->'paymentMethod', 'carrier', s->'issuance'->'carrierID',
        'agency', s->'issuance'->'agencyID', 'commission', s->'issuance'->'commissionRate') END,
    'pd', s->'planDates',
    'it', (SELECT coalesce(jsonb_agg(jsonb_build_array(item->'kind', item->'ref', item->'name') ORDER BY n), '[]')
           FROM jsonb_array_elements(s->'items') WITH ORDINALITY AS i(item, n)),
    'tt', (SELECT coalesce(jsonb_agg(pg_temp.stored_cents(totals) ORDER BY n), '[]')
           FROM jsonb_array_elements(s->'transactionTotals') WITH ORDINALITY AS t(totals, n)),
    'tx', s->'appliedTransactionIDs',
    'cn', s->'cancellationEntryNumber',
    'en', (SELECT coalesce(jsonb_agg(jsonb_build_array(
                entry->'entryNumber', entry->'scheduleDate', entry->'transaction', entry->'status', entry->'isPaid',
                (SELECT coalesce(jsonb_agg(jsonb_build_array(detail->'itemIndex') || pg_temp.stored_cents(detail->'amounts') ORDER BY m), '[]')
                 FROM jsonb_array_elements(entry->'details') WITH ORDINALITY AS d(detail, m))
            ) ORDER BY n), '[]')
           FROM jsonb_array_elements(s->'entries') WITH ORDINALITY AS e(entry, n))
)::text
FROM (SELECT policy_id, schedule::jsonb AS s FROM scheduler.policies) AS legacy
WHERE p.policy_id = legacy.policy_id AND NOT legacy.s ? 'v';
