-- Inserts the signals a run found for the first time and updates the status, evidence
-- and evaluation stamp of those it already held (source_frame: pipelines/safety/register.py).
-- Identity, opening evidence and first-recorded stamp never change once written.
INSERT INTO safety_signal_register BY NAME
SELECT * FROM source_frame
ON CONFLICT (signal_id) DO UPDATE SET
    status = EXCLUDED.status,
    resolved_month = EXCLUDED.resolved_month,
    as_of_month = EXCLUDED.as_of_month,
    latest_month = EXCLUDED.latest_month,
    latest_n = EXCLUDED.latest_n,
    latest_observed = EXCLUDED.latest_observed,
    latest_expected = EXCLUDED.latest_expected,
    latest_statistic = EXCLUDED.latest_statistic,
    latest_threshold = EXCLUDED.latest_threshold,
    last_evaluated_at = EXCLUDED.last_evaluated_at,
    last_evaluated_run_id = EXCLUDED.last_evaluated_run_id;
