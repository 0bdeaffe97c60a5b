-- Grain: one row per program, safety indicator and month (the rolling window ending in
-- that month).
-- Purpose: funnel-plot comparison (Spiegelhalter 2005) of each program's observed to
-- expected ratio with exact binomial and over-dispersion-adjusted control limits.
CREATE OR REPLACE TABLE mart_safety_funnel AS
SELECT
    CAST(indicator AS VARCHAR) AS indicator,
    CAST(program_id AS VARCHAR) AS program_id,
    CAST(month AS DATE) AS month,
    CAST(window_start AS DATE) AS window_start,
    CAST(n AS BIGINT) AS n,
    CAST(observed AS BIGINT) AS observed,
    CAST(expected AS DOUBLE) AS expected,
    CAST(ratio AS DOUBLE) AS ratio,
    CAST(z AS DOUBLE) AS z,
    CAST(phi AS DOUBLE) AS phi,
    CAST(tau2 AS DOUBLE) AS tau2,
    CAST(programs_compared AS BIGINT) AS programs_compared,
    CAST(overdispersion_applied AS BOOLEAN) AS overdispersion_applied,
    CAST(reference_logit_se AS DOUBLE) AS reference_logit_se,
    CAST(alert_low AS DOUBLE) AS alert_low,
    CAST(alert_high AS DOUBLE) AS alert_high,
    CAST(alarm_low AS DOUBLE) AS alarm_low,
    CAST(alarm_high AS DOUBLE) AS alarm_high,
    CAST(alert_low_dispersed AS DOUBLE) AS alert_low_dispersed,
    CAST(alert_high_dispersed AS DOUBLE) AS alert_high_dispersed,
    CAST(alarm_low_dispersed AS DOUBLE) AS alarm_low_dispersed,
    CAST(alarm_high_dispersed AS DOUBLE) AS alarm_high_dispersed,
    CAST(signal_threshold AS DOUBLE) AS signal_threshold,
    CAST(above_alert AS BOOLEAN) AS above_alert,
    CAST(alarm AS BOOLEAN) AS alarm
FROM source_frame;

COMMENT ON TABLE mart_safety_funnel IS 'Funnel plots (Spiegelhalter, Stat Med 2005) of observed/expected harm per program over a rolling window (ref_safety_policy funnel.window_months), one row per window end month. Limits are on the ratio scale: exact binomial (interpolated) at the alert (95%) and alarm (99.8%) levels, and the same adjusted for over-dispersion between programs. Counts are unsuppressed.';
COMMENT ON COLUMN mart_safety_funnel.ratio IS 'observed / expected; the funnel plots it against expected.';
COMMENT ON COLUMN mart_safety_funnel.z IS '(observed - expected) / sqrt(sum p(1-p)).';
COMMENT ON COLUMN mart_safety_funnel.phi IS 'Over-dispersion ratio: mean squared z-score across programs after 10% winsorising at each end (Spiegelhalter, Qual Saf Health Care 2005).';
COMMENT ON COLUMN mart_safety_funnel.tau2 IS 'Between-program variance on the ratio scale (additive random effects, DerSimonian-Laird form); 0 when there is no over-dispersion.';
COMMENT ON COLUMN mart_safety_funnel.overdispersion_applied IS 'True when the adjusted limits (per ref_safety_policy) replace the exact ones for signalling.';
COMMENT ON COLUMN mart_safety_funnel.signal_threshold IS 'Ratio the program must exceed to signal: the upper alarm binomial quantile of the count divided by expected (the interpolated limit is for drawing), and the over-dispersion-adjusted limit too when applied.';
COMMENT ON COLUMN mart_safety_funnel.alarm IS 'ratio above signal_threshold with at least the minimum number of events: the funnel opens a signal.';
COMMENT ON COLUMN mart_safety_funnel.reference_logit_se IS 'Standard error of the program''s expected log-odds carried into the limits (safety_units.reference_logit_se; 0 when expected.reference_uncertainty is ignore): the exact limits are quantiles of the binomial mixed over it, the normal ones add the expected count''s variance.';
COMMENT ON COLUMN mart_safety_funnel.program_id IS 'Program code of the data contract (e.g. ICBT04, INPERSON_ON), also the program''s landing-zone folder.';
