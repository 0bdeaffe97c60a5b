-- Grain (program_id, indicator, month): one row per program, safety indicator and month
-- (the rolling window ending in that month).
-- Accepted values of indicator: ref_safety_indicators.indicator.
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

COMMENT ON TABLE mart_safety_funnel IS 'Funnel plots (Spiegelhalter, Stat Med 2005) of observed/expected harm per program over a rolling window (ref_safety_policy funnel.window_months), one row per window end month. Limits are on the ratio scale: exact binomial (interpolated) at the alert and alarm levels (ref_safety_policy funnel.alert_level and funnel.alarm_level), and the same adjusted for over-dispersion between programs. Counts are unsuppressed.';
COMMENT ON COLUMN mart_safety_funnel.ratio IS 'observed / expected; the funnel plots it against expected.';
COMMENT ON COLUMN mart_safety_funnel.z IS '(observed - expected) / sqrt(sum p(1-p)).';
COMMENT ON COLUMN mart_safety_funnel.phi IS 'Over-dispersion ratio: mean squared z-score across programs after winsorising the share ref_safety_policy funnel.winsorise at each end (Spiegelhalter, Qual Saf Health Care 2005).';
COMMENT ON COLUMN mart_safety_funnel.tau2 IS 'Between-program variance on the ratio scale (additive random effects, DerSimonian-Laird form); 0 when there is no over-dispersion.';
COMMENT ON COLUMN mart_safety_funnel.overdispersion_applied IS 'True when the adjusted limits (per ref_safety_policy) replace the exact ones for signalling.';
COMMENT ON COLUMN mart_safety_funnel.signal_threshold IS 'Ratio the program must exceed to signal: the upper alarm binomial quantile of the count divided by expected (the interpolated limit is for drawing), and the over-dispersion-adjusted limit too when applied.';
COMMENT ON COLUMN mart_safety_funnel.alarm IS 'ratio above signal_threshold with at least the minimum number of events: the funnel opens a signal.';
COMMENT ON COLUMN mart_safety_funnel.reference_logit_se IS 'Standard error of the program''s expected log-odds carried into the limits (safety_units.reference_logit_se; 0 when expected.reference_uncertainty is ignore): the exact limits are quantiles of the binomial mixed over it, the normal ones add the expected count''s variance.';
COMMENT ON COLUMN mart_safety_funnel.program_id IS 'Program code of the data contract (e.g. ICBT04, INPERSON_ON), also the program''s landing-zone folder.';
COMMENT ON COLUMN mart_safety_funnel.indicator IS 'Safety indicator code of ref_safety_indicators (e.g. phq9_reliable_deterioration, serious_adverse_event, item9_follow_up_breach).';
COMMENT ON COLUMN mart_safety_funnel.month IS 'Last month of the window (first day).';
COMMENT ON COLUMN mart_safety_funnel.window_start IS 'First month of the window (ref_safety_policy funnel.window_months long).';
COMMENT ON COLUMN mart_safety_funnel.n IS 'Units judged in the window. Unsuppressed count: suppress small counts (config/suppression.yaml threshold) before showing it.';
COMMENT ON COLUMN mart_safety_funnel.observed IS 'Units with the event in the window. Unsuppressed count: suppress small counts (config/suppression.yaml threshold) before showing it.';
COMMENT ON COLUMN mart_safety_funnel.expected IS 'Events expected in the window under in-person CBT for the same case mix.';
COMMENT ON COLUMN mart_safety_funnel.programs_compared IS 'Programs in the window''s funnel (with expected events), the basis of phi and tau2.';
COMMENT ON COLUMN mart_safety_funnel.alert_low IS 'Lower exact limit of the ratio at ref_safety_policy funnel.alert_level.';
COMMENT ON COLUMN mart_safety_funnel.alert_high IS 'Upper exact limit of the ratio at ref_safety_policy funnel.alert_level.';
COMMENT ON COLUMN mart_safety_funnel.alarm_low IS 'Lower exact limit of the ratio at ref_safety_policy funnel.alarm_level.';
COMMENT ON COLUMN mart_safety_funnel.alarm_high IS 'Upper exact limit of the ratio at ref_safety_policy funnel.alarm_level.';
COMMENT ON COLUMN mart_safety_funnel.alert_low_dispersed IS 'alert_low widened for over-dispersion (tau2); equals the exact limit when there is none.';
COMMENT ON COLUMN mart_safety_funnel.alert_high_dispersed IS 'alert_high widened for over-dispersion (tau2).';
COMMENT ON COLUMN mart_safety_funnel.alarm_low_dispersed IS 'alarm_low widened for over-dispersion (tau2).';
COMMENT ON COLUMN mart_safety_funnel.alarm_high_dispersed IS 'alarm_high widened for over-dispersion (tau2).';
COMMENT ON COLUMN mart_safety_funnel.above_alert IS 'ratio above the upper alert limit in use (dispersed when overdispersion_applied).';
