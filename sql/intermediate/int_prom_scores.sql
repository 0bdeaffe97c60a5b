-- Grain (episode_id, instrument, administered_date, scale): one row per episode,
-- instrument, administration date and scale.
-- Accepted values of instrument: contract prom_responses.instrument.
-- Accepted values of scale: ref_scales.scale.
-- Purpose: scale scores computed from item responses by pipelines/scoring (missing-item
-- rule, proration, severity band, caseness), one row even when the score is missing.
CREATE OR REPLACE TABLE int_prom_scores AS
SELECT
    CAST(episode_id AS BIGINT) AS episode_id,
    CAST(instrument AS VARCHAR) AS instrument,
    CAST(administered_date AS DATE) AS administered_date,
    CAST(scale AS VARCHAR) AS scale,
    CAST(score AS DOUBLE) AS score,
    CAST(items_answered AS TINYINT) AS items_answered,
    CAST(items_expected AS TINYINT) AS items_expected,
    CAST(prorated AS BOOLEAN) AS prorated,
    CAST(severity_band AS VARCHAR) AS severity_band,
    CAST(is_case AS BOOLEAN) AS is_case
FROM source_frame;

COMMENT ON TABLE int_prom_scores IS 'Scale scores per administration. Rules per scale (sum or mean, missing items allowed, bands, caseness) are in ref_scales; item membership in ref_scale_items.';
COMMENT ON COLUMN int_prom_scores.score IS 'Scale score; NULL when more items are missing than the scale''s missing-item rule allows. Prorated scores are not rounded.';
COMMENT ON COLUMN int_prom_scores.prorated IS 'True when the score was computed from an incomplete set of items.';
COMMENT ON COLUMN int_prom_scores.is_case IS 'Score at or above the scale''s caseness cut-off (NULL where the scale has none).';
COMMENT ON COLUMN int_prom_scores.episode_id IS 'Keyed hash (HMAC-SHA-256, first 8 bytes as BIGINT) of the program''s episode key; joins to staging_episodes.';
COMMENT ON COLUMN int_prom_scores.instrument IS 'PROM instrument code of the data contract (PHQ9, GAD7, BPI_SF, PEG, PCS, PSEQ, WAI_SR); items in ref_instrument_items.';
COMMENT ON COLUMN int_prom_scores.administered_date IS 'Date of the administration.';
COMMENT ON COLUMN int_prom_scores.scale IS 'Scale of the instrument: total or a subscale name (ref_scales).';
COMMENT ON COLUMN int_prom_scores.items_answered IS 'Items of the scale answered in this administration.';
COMMENT ON COLUMN int_prom_scores.items_expected IS 'Items the scale has (ref_scales.items_expected).';
COMMENT ON COLUMN int_prom_scores.severity_band IS 'Label of the scale''s severity band the score falls in (bands in config/scoring.yaml); NULL where the scale has no bands or no score.';
