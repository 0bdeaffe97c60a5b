-- Grain: one row per scale.
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

COMMENT ON TABLE int_change_parameters IS 'Thresholds used to classify change: rci_threshold = 1.96 * s_diff is the smallest reliable change in points (Jacobson & Truax 1991). Sources per number are in ref_scales.';
COMMENT ON COLUMN int_change_parameters.instrument IS 'PROM instrument code of the data contract (PHQ9, GAD7, BPI_SF, PEG, PCS, PSEQ, WAI_SR); items in ref_instrument_items.';
COMMENT ON COLUMN int_change_parameters.scale IS 'Scale of the instrument: total or a subscale name (ref_scales).';
COMMENT ON COLUMN int_change_parameters.higher_is_better IS 'True when a higher score means better health (e.g. PSEQ self-efficacy); false for symptom scales such as PHQ-9.';
