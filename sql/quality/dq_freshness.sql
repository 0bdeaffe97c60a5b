-- Grain: one row per program that has delivered anything.
-- Purpose: freshness per program: days since its last accepted delivery against its
-- expected cadence, judged on $today.
CREATE OR REPLACE TABLE dq_freshness AS
WITH deliveries AS (
    SELECT
        program_id,
        max(loaded_at) AS last_delivery_at,
        max(batch_id) AS latest_batch_id,
        count(DISTINCT batch_id) AS batches
    FROM ingest_load_ledger
    WHERE superseded_at IS NULL AND outcome <> 'refused'
    GROUP BY program_id
),
cadence AS (
    SELECT
        deliveries.*,
        coalesce(own.cadence_days, fallback.cadence_days) AS cadence_days,
        coalesce(own.grace_days, fallback.grace_days) AS grace_days
    FROM deliveries
    LEFT JOIN ref_delivery_cadence AS own USING (program_id)
    CROSS JOIN (SELECT * FROM ref_delivery_cadence WHERE program_id IS NULL) AS fallback
)
SELECT
    program_id,
    latest_batch_id,
    batches,
    last_delivery_at,
    date_diff('day', CAST(last_delivery_at AS DATE), CAST($today AS DATE)) AS days_since_delivery,
    cadence_days,
    grace_days,
    CASE
        WHEN date_diff('day', CAST(last_delivery_at AS DATE), CAST($today AS DATE))
            > cadence_days + grace_days THEN 'overdue'
        ELSE 'fresh'
    END AS status,
    CAST($today AS DATE) AS evaluated_on
FROM cadence;

COMMENT ON TABLE dq_freshness IS 'Per program: last accepted delivery (refused files do not count), days since, the expected cadence and grace (ref_delivery_cadence) and status fresh or overdue on evaluated_on.';
COMMENT ON COLUMN dq_freshness.latest_batch_id IS 'Newest batch (delivery period) the program has delivered.';
COMMENT ON COLUMN dq_freshness.program_id IS 'Program code of the data contract (e.g. ICBT04, INPERSON_ON), also the program''s landing-zone folder.';
COMMENT ON COLUMN dq_freshness.batches IS 'Distinct delivery batches with a current, accepted file.';
COMMENT ON COLUMN dq_freshness.last_delivery_at IS 'When the program''s latest accepted file was loaded (UTC).';
COMMENT ON COLUMN dq_freshness.days_since_delivery IS 'Days from last_delivery_at to evaluated_on.';
COMMENT ON COLUMN dq_freshness.cadence_days IS 'Expected days between deliveries (ref_delivery_cadence: the program''s own or the default).';
COMMENT ON COLUMN dq_freshness.grace_days IS 'Days allowed beyond the cadence before the program is overdue (ref_delivery_cadence).';
COMMENT ON COLUMN dq_freshness.status IS 'overdue when days_since_delivery exceeds cadence_days + grace_days, else fresh.';
COMMENT ON COLUMN dq_freshness.evaluated_on IS 'The day freshness was judged (the build date).';
