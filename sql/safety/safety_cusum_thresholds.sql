-- Grain (key): one row per CUSUM threshold simulation used by the latest run.
-- Purpose: cache of simulated CUSUM thresholds, keyed by a hash of the chart's monthly
-- expected risks and its design, so a run over unchanged data reuses them. Replaced by
-- each run with the thresholds it used.
CREATE OR REPLACE TABLE safety_cusum_thresholds AS
SELECT
    CAST(key AS VARCHAR) AS key,
    CAST(h AS DOUBLE) AS h,
    CAST(arl_months AS DOUBLE) AS arl_months,
    CAST(cycles AS BIGINT) AS cycles,
    CAST(alarm_cycles AS BIGINT) AS alarm_cycles
FROM source_frame;

COMMENT ON TABLE safety_cusum_thresholds IS 'Cache of CUSUM thresholds (pipelines/safety/cusum.py): key = SHA-256 of the odds ratio, target in-control ARL, cycles, seed and every month''s expected risks; h and the simulated ARL it gives. Holds no patient data.';
COMMENT ON COLUMN safety_cusum_thresholds.h IS 'Decision threshold of the chart.';
COMMENT ON COLUMN safety_cusum_thresholds.arl_months IS 'Simulated in-control average run length at h, in months.';
COMMENT ON COLUMN safety_cusum_thresholds.alarm_cycles IS 'Simulated regeneration cycles that ended in an alarm at h (the precision of arl_months).';
COMMENT ON COLUMN safety_cusum_thresholds.key IS 'SHA-256 of the inputs that determine h (odds ratio, target ARL, cycles, seed, monthly expected risks).';
COMMENT ON COLUMN safety_cusum_thresholds.cycles IS 'Simulated regeneration cycles behind arl_months.';
