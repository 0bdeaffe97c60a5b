-- Grain: one row per dose band.
-- Purpose: bands of the share of a program's modules or sessions completed, used by
-- mart_dose_response (config/engagement.yaml).
CREATE OR REPLACE TABLE ref_dose_bands AS
SELECT
    CAST(dose_band AS VARCHAR) AS dose_band,
    CAST(min_share AS DOUBLE) AS min_share,
    CAST(below_share AS DOUBLE) AS below_share,
    CAST(band_order AS INTEGER) AS band_order,
    CAST(source AS VARCHAR) AS source
FROM source_frame;

COMMENT ON TABLE ref_dose_bands IS 'Dose bands: share of planned modules or sessions completed in [min_share, below_share).';
COMMENT ON COLUMN ref_dose_bands.source IS 'The publication or policy the row''s numbers come from, with its evidence mark where config gives one.';
COMMENT ON COLUMN ref_dose_bands.dose_band IS 'Band label, e.g. 50-74% (config/engagement.yaml).';
COMMENT ON COLUMN ref_dose_bands.min_share IS 'Lowest share of planned modules or sessions completed in the band (inclusive).';
COMMENT ON COLUMN ref_dose_bands.below_share IS 'Share the band stops below (exclusive); NULL for the top band.';
COMMENT ON COLUMN ref_dose_bands.band_order IS 'Sort order, lowest dose first.';
