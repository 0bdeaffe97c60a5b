-- Grain (program_id, indicator, month): one row per program, safety indicator and month.
-- Accepted values of indicator: ref_safety_indicators.indicator.
-- Purpose: the risk-adjusted Bernoulli CUSUM (Steiner et al. 2000) of each program,
-- month by month, with its simulated decision threshold.
CREATE OR REPLACE TABLE mart_safety_cusum AS
SELECT
    CAST(indicator AS VARCHAR) AS indicator,
    CAST(program_id AS VARCHAR) AS program_id,
    CAST(month AS DATE) AS month,
    CAST(n AS BIGINT) AS n,
    CAST(observed AS BIGINT) AS observed,
    CAST(expected AS DOUBLE) AS expected,
    CAST(llr AS DOUBLE) AS llr,
    CAST(statistic AS DOUBLE) AS statistic,
    CAST(peak AS DOUBLE) AS peak,
    CAST(threshold AS DOUBLE) AS threshold,
    CAST(simulated_arl_months AS DOUBLE) AS simulated_arl_months,
    CAST(reference_logit_se AS DOUBLE) AS reference_logit_se,
    CAST(alarm AS BOOLEAN) AS alarm,
    CAST(in_signal AS BOOLEAN) AS in_signal,
    CAST(excursion_n AS BIGINT) AS excursion_n,
    CAST(excursion_observed AS BIGINT) AS excursion_observed,
    CAST(excursion_expected AS DOUBLE) AS excursion_expected
FROM source_frame;

COMMENT ON TABLE mart_safety_cusum IS 'Risk-adjusted CUSUM per program and indicator (Steiner, Cook, Farewell & Treasure, Biostatistics 2000): patient weights y log(R) - log(1 - p + R p) summed by month, S = max(0, S + sum). Threshold h simulated for the configured in-control average run length in months; after an alarm the chart restarts at a head start (ref_safety_policy). Counts are unsuppressed.';
COMMENT ON COLUMN mart_safety_cusum.llr IS 'Sum of the month''s patient log-likelihood-ratio weights.';
COMMENT ON COLUMN mart_safety_cusum.statistic IS 'S at the end of the month, after any restart.';
COMMENT ON COLUMN mart_safety_cusum.peak IS 'S before any restart: the value compared with the threshold.';
COMMENT ON COLUMN mart_safety_cusum.simulated_arl_months IS 'In-control average run length, in months, that the threshold gives in simulation for this program''s case mix.';
COMMENT ON COLUMN mart_safety_cusum.alarm IS 'peak above threshold with at least the minimum number of events since the chart last stood at zero.';
COMMENT ON COLUMN mart_safety_cusum.in_signal IS 'An alarm has happened and the restarted chart has not yet drained to zero: the CUSUM signal is open.';
COMMENT ON COLUMN mart_safety_cusum.excursion_observed IS 'Events since the chart last stood at zero (the evidence behind the current value).';
COMMENT ON COLUMN mart_safety_cusum.reference_logit_se IS 'Standard error of the program''s expected log-odds carried into the threshold simulation (0 when expected.reference_uncertainty is ignore): h keeps the false-alarm rate, averaged over that error, at the target.';
COMMENT ON COLUMN mart_safety_cusum.program_id IS 'Program code of the data contract (e.g. ICBT04, INPERSON_ON), also the program''s landing-zone folder.';
COMMENT ON COLUMN mart_safety_cusum.indicator IS 'Safety indicator code of ref_safety_indicators (e.g. phq9_reliable_deterioration, serious_adverse_event, item9_follow_up_breach).';
COMMENT ON COLUMN mart_safety_cusum.month IS 'Month of outcomes (first day), as safety_units.month.';
COMMENT ON COLUMN mart_safety_cusum.n IS 'Units judged this month. Unsuppressed count: suppress small counts (config/suppression.yaml threshold) before showing it.';
COMMENT ON COLUMN mart_safety_cusum.observed IS 'Units with the event this month. Unsuppressed count: suppress small counts (config/suppression.yaml threshold) before showing it.';
COMMENT ON COLUMN mart_safety_cusum.expected IS 'Events expected this month under in-person CBT for the same case mix (sum of safety_units.expected).';
COMMENT ON COLUMN mart_safety_cusum.threshold IS 'Decision threshold h of the chart (safety_cusum_thresholds), simulated for ref_safety_policy cusum.in_control_arl_months.';
COMMENT ON COLUMN mart_safety_cusum.excursion_n IS 'Units since the chart last stood at zero. Unsuppressed count: suppress small counts (config/suppression.yaml threshold) before showing it.';
COMMENT ON COLUMN mart_safety_cusum.excursion_expected IS 'Events expected over the units since the chart last stood at zero.';
