-- Grain (program_id, indicator, month): one row per program, safety indicator and calendar
-- month.
-- Accepted values of delivery_mode: contract programs.delivery_mode.
-- Accepted values of indicator: ref_safety_indicators.indicator.
-- Purpose: observed harm against what in-person CBT patients with the same case mix
-- would be expected to show, month by month.
CREATE OR REPLACE TABLE mart_safety_indicators AS
SELECT
    CAST(program_id AS VARCHAR) AS program_id,
    CAST(program_name AS VARCHAR) AS program_name,
    CAST(delivery_mode AS VARCHAR) AS delivery_mode,
    CAST(indicator AS VARCHAR) AS indicator,
    CAST(indicator_label AS VARCHAR) AS indicator_label,
    CAST(severe AS BOOLEAN) AS severe,
    CAST(month AS DATE) AS month,
    CAST(n AS BIGINT) AS n,
    CAST(observed AS BIGINT) AS observed,
    CAST(observed_rate AS DOUBLE) AS observed_rate,
    CAST(n_compared AS BIGINT) AS n_compared,
    CAST(observed_compared AS BIGINT) AS observed_compared,
    CAST(expected AS DOUBLE) AS expected,
    CAST(expected_rate AS DOUBLE) AS expected_rate,
    CAST(observed_to_expected AS DOUBLE) AS observed_to_expected,
    CAST(reference AS VARCHAR) AS reference,
    CAST(reference_method AS VARCHAR) AS reference_method
FROM source_frame;

COMMENT ON TABLE mart_safety_indicators IS 'Safety indicators per program and month: units judged, events, and the events expected under in-person CBT for the same case mix. Counts are unsuppressed: suppress counts from 1 to below the threshold of config/suppression.yaml before showing them.';
COMMENT ON COLUMN mart_safety_indicators.month IS 'Month the outcomes became known (see safety_units.unit_date).';
COMMENT ON COLUMN mart_safety_indicators.n IS 'Units judged this month.';
COMMENT ON COLUMN mart_safety_indicators.observed IS 'Units with the event.';
COMMENT ON COLUMN mart_safety_indicators.n_compared IS 'Units with an expected probability (all of them unless the indicator has no reference).';
COMMENT ON COLUMN mart_safety_indicators.expected IS 'Sum of the expected probabilities of the compared units.';
COMMENT ON COLUMN mart_safety_indicators.observed_to_expected IS 'observed_compared / expected; above 1 means more harm than in-person CBT for similar patients.';
COMMENT ON COLUMN mart_safety_indicators.reference IS 'In-person cohort of the expectation (mart_safety_reference).';
COMMENT ON COLUMN mart_safety_indicators.program_id IS 'Program code of the data contract (e.g. ICBT04, INPERSON_ON), also the program''s landing-zone folder.';
COMMENT ON COLUMN mart_safety_indicators.program_name IS 'Public name of the program or clinic, as most recently delivered (staging_programs).';
COMMENT ON COLUMN mart_safety_indicators.delivery_mode IS 'self_guided, guided_asynchronous, therapist_realtime or in_person (the in-person CBT comparator).';
COMMENT ON COLUMN mart_safety_indicators.indicator IS 'Safety indicator code of ref_safety_indicators (e.g. phq9_reliable_deterioration, serious_adverse_event, item9_follow_up_breach).';
COMMENT ON COLUMN mart_safety_indicators.indicator_label IS 'Readable name of the indicator (ref_safety_indicators.label).';
COMMENT ON COLUMN mart_safety_indicators.severe IS 'The indicator is severe (ref_safety_indicators.severe).';
COMMENT ON COLUMN mart_safety_indicators.observed_rate IS 'observed / n.';
COMMENT ON COLUMN mart_safety_indicators.observed_compared IS 'Events among the compared units (those with an expected probability). Unsuppressed count: suppress small counts (config/suppression.yaml threshold) before showing it.';
COMMENT ON COLUMN mart_safety_indicators.expected_rate IS 'expected / n_compared: the rate in-person CBT would give this case mix.';
COMMENT ON COLUMN mart_safety_indicators.reference_method IS 'How the expectation was made: logistic, severity, crude, published, none (not compared) or not_measured (see mart_safety_reference).';
