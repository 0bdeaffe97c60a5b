-- Grain: one row per instrument, scale and item.
-- Purpose: which items make up each scored scale (total and subscales).
CREATE OR REPLACE TABLE ref_scale_items AS
SELECT
    CAST(instrument AS VARCHAR) AS instrument,
    CAST(scale AS VARCHAR) AS scale,
    CAST(item_number AS TINYINT) AS item_number
FROM source_frame;

COMMENT ON TABLE ref_scale_items IS 'Item membership of each scale, e.g. BPI_SF severity = items 1-4, PCS rumination = items 8-11 (contracts/v1/instruments.json).';
COMMENT ON COLUMN ref_scale_items.instrument IS 'PROM instrument code of the data contract (PHQ9, GAD7, BPI_SF, PEG, PCS, PSEQ, WAI_SR); items in ref_instrument_items.';
COMMENT ON COLUMN ref_scale_items.scale IS 'Scale of the instrument: total or a subscale name (ref_scales).';
COMMENT ON COLUMN ref_scale_items.item_number IS 'Item of the instrument (1-based, ref_instrument_items) that belongs to the scale.';
