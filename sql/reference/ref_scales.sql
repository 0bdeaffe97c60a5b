-- Grain: one row per instrument scale (total or subscale).
-- Purpose: the scoring and change policy applied to each scale, with the published
-- source of every number and its evidence mark (V verified, S secondary, U unverified),
-- from config/scoring.yaml.
CREATE OR REPLACE TABLE ref_scales AS
SELECT
    CAST(instrument AS VARCHAR) AS instrument,
    CAST(scale AS VARCHAR) AS scale,
    CAST(outcome_label AS VARCHAR) AS outcome_label,
    CAST(scoring_method AS VARCHAR) AS scoring_method,
    CAST(score_min AS DOUBLE) AS score_min,
    CAST(score_max AS DOUBLE) AS score_max,
    CAST(higher_is_better AS BOOLEAN) AS higher_is_better,
    CAST(is_change_outcome AS BOOLEAN) AS is_change_outcome,
    CAST(items_expected AS INTEGER) AS items_expected,
    CAST(max_missing_items AS INTEGER) AS max_missing_items,
    CAST(caseness_min AS DOUBLE) AS caseness_min,
    CAST(mcid_points AS DOUBLE) AS mcid_points,
    CAST(mcid_percent AS DOUBLE) AS mcid_percent,
    CAST(reliability AS DOUBLE) AS reliability,
    CAST(sd_method AS VARCHAR) AS sd_method,
    CAST(scoring_source AS VARCHAR) AS scoring_source,
    CAST(missing_rule_source AS VARCHAR) AS missing_rule_source,
    CAST(caseness_source AS VARCHAR) AS caseness_source,
    CAST(mcid_source AS VARCHAR) AS mcid_source,
    CAST(reliability_source AS VARCHAR) AS reliability_source
FROM source_frame;

COMMENT ON TABLE ref_scales IS 'Scoring and change policy per scale (config/scoring.yaml). Each *_source column names the publication and, in brackets, the evidence mark: V seen in the source, S secondary source only, U unverified or project policy.';
COMMENT ON COLUMN ref_scales.is_change_outcome IS 'True for outcome scales analysed for change; false for process measures (alliance) and subscales reported descriptively.';
COMMENT ON COLUMN ref_scales.max_missing_items IS 'Missing-item rule: the score is prorated when at most this many items are unanswered, otherwise there is no score.';
COMMENT ON COLUMN ref_scales.mcid_points IS 'Minimal clinically important difference in score points; also the basis of the default non-inferiority margin (half of it).';
COMMENT ON COLUMN ref_scales.sd_method IS 'SD used by the Jacobson-Truax reliable change index: fixed (a published reference SD) or sample_baseline (this warehouse''s baseline SD, see int_change_parameters).';
COMMENT ON COLUMN ref_scales.instrument IS 'PROM instrument code of the data contract (PHQ9, GAD7, BPI_SF, PEG, PCS, PSEQ, WAI_SR); items in ref_instrument_items.';
COMMENT ON COLUMN ref_scales.scale IS 'total or a subscale name of the instrument.';
COMMENT ON COLUMN ref_scales.outcome_label IS 'Readable name of the instrument and scale (ref_scales.outcome_label).';
COMMENT ON COLUMN ref_scales.higher_is_better IS 'True when a higher score means better health (e.g. PSEQ self-efficacy); false for symptom scales such as PHQ-9.';
COMMENT ON COLUMN ref_scales.scoring_method IS 'sum or mean of the scale''s items.';
COMMENT ON COLUMN ref_scales.score_min IS 'Lowest possible score.';
COMMENT ON COLUMN ref_scales.score_max IS 'Highest possible score.';
COMMENT ON COLUMN ref_scales.items_expected IS 'Items in the scale (ref_scale_items).';
COMMENT ON COLUMN ref_scales.caseness_min IS 'Score at or above which a patient is a case; NULL where the scale has no cut-off.';
COMMENT ON COLUMN ref_scales.mcid_percent IS 'Minimal clinically important improvement as a percentage of baseline; NULL where none is published.';
COMMENT ON COLUMN ref_scales.reliability IS 'Test-retest or internal-consistency reliability used by the reliable change index; NULL where none is published.';
COMMENT ON COLUMN ref_scales.scoring_source IS 'Source of the scoring rule [evidence mark].';
COMMENT ON COLUMN ref_scales.missing_rule_source IS 'Source of the missing-item rule [evidence mark].';
COMMENT ON COLUMN ref_scales.caseness_source IS 'Source of caseness_min [evidence mark].';
COMMENT ON COLUMN ref_scales.mcid_source IS 'Source of mcid_points and mcid_percent [evidence mark].';
COMMENT ON COLUMN ref_scales.reliability_source IS 'Source of reliability and the reference SD [evidence mark].';
