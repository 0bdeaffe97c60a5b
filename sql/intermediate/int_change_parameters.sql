-- Grain (instrument, scale): one row per scale.
-- Accepted values of instrument: contract prom_responses.instrument.
-- Accepted values of scale: ref_scales.scale.
-- Purpose: the reliable-change and responder thresholds actually applied to this
-- warehouse's episodes: published reliabilities and SDs, or, where the scale's SD method
-- is sample_baseline, the SD of all baseline scores in the warehouse.
CREATE OR REPLACE TABLE int_change_parameters AS
SELECT
    CAST(instrument AS VARCHAR) AS instrument,
    CAST(scale AS VARCHAR) AS scale,
    CAST(higher_is_better AS BOOLEAN) AS higher_is_better,
    CAST(change_outcome AS BOOLEAN) AS is_change_outcome,
    CAST(reliability AS DOUBLE) AS reliability,
    CAST(sd AS DOUBLE) AS sd,
    CAST(sd_method AS VARCHAR) AS sd_method,
    CAST(s_diff AS DOUBLE) AS s_diff,
    CAST(rci_threshold AS DOUBLE) AS rci_threshold,
    CAST(criterion_c AS DOUBLE) AS criterion_c,
    CAST(mcid_points AS DOUBLE) AS mcid_points,
    CAST(mcid_percent AS DOUBLE) AS mcid_percent,
    CAST(tt_caseness_min AS DOUBLE) AS tt_caseness_min,
    CAST(tt_reliable_points AS DOUBLE) AS tt_reliable_points
FROM source_frame;

COMMENT ON TABLE int_change_parameters IS 'Thresholds used to classify change: rci_threshold = z * s_diff is the smallest reliable change in points (Jacobson & Truax 1991), z being config/scoring.yaml reliable_change.z_critical. Sources per number are in ref_scales.';
COMMENT ON COLUMN int_change_parameters.instrument IS 'PROM instrument code of the data contract (PHQ9, GAD7, BPI_SF, PEG, PCS, PSEQ, WAI_SR); items in ref_instrument_items.';
COMMENT ON COLUMN int_change_parameters.scale IS 'Scale of the instrument: total or a subscale name (ref_scales).';
COMMENT ON COLUMN int_change_parameters.higher_is_better IS 'True when a higher score means better health (e.g. PSEQ self-efficacy); false for symptom scales such as PHQ-9.';
COMMENT ON COLUMN int_change_parameters.is_change_outcome IS 'True for scales analysed for change (ref_scales.is_change_outcome).';
COMMENT ON COLUMN int_change_parameters.reliability IS 'Reliability used by the reliable change index (ref_scales.reliability).';
COMMENT ON COLUMN int_change_parameters.sd IS 'SD used by the reliable change index, in scale points: the published one (sd_method fixed) or this warehouse''s baseline SD (sample_baseline).';
COMMENT ON COLUMN int_change_parameters.sd_method IS 'fixed or sample_baseline (ref_scales.sd_method); NULL without a reliable-change rule.';
COMMENT ON COLUMN int_change_parameters.s_diff IS 'Standard error of the difference, sd * sqrt(2 * (1 - reliability)), in scale points.';
COMMENT ON COLUMN int_change_parameters.rci_threshold IS 'Smallest reliable change in points: s_diff times the critical z of config/scoring.yaml reliable_change.z_critical.';
COMMENT ON COLUMN int_change_parameters.criterion_c IS 'Jacobson-Truax cut-off c between functional and dysfunctional populations (config/scoring.yaml); NULL where no norms are configured.';
COMMENT ON COLUMN int_change_parameters.mcid_points IS 'Minimal clinically important difference in points (ref_scales.mcid_points).';
COMMENT ON COLUMN int_change_parameters.mcid_percent IS 'Minimal clinically important improvement in percent of baseline (ref_scales.mcid_percent).';
COMMENT ON COLUMN int_change_parameters.tt_caseness_min IS 'NHS Talking Therapies caseness cut-off (config/scoring.yaml talking_therapies); NULL except PHQ-9 and GAD-7 totals.';
COMMENT ON COLUMN int_change_parameters.tt_reliable_points IS 'NHS Talking Therapies reliable-change points (config/scoring.yaml talking_therapies); NULL except PHQ-9 and GAD-7 totals.';
