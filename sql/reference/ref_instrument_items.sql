-- Grain: one row per instrument item.
-- Purpose: item structure and allowed answer range of each instrument, from the data
-- contract (contracts/v1/instruments.json).
CREATE OR REPLACE TABLE ref_instrument_items AS
SELECT
    CAST(instrument AS VARCHAR) AS instrument,
    CAST(instrument_title AS VARCHAR) AS instrument_title,
    CAST(item_number AS TINYINT) AS item_number,
    CAST(item_label AS VARCHAR) AS item_label,
    CAST(item_min AS TINYINT) AS item_min,
    CAST(item_max AS TINYINT) AS item_max,
    CAST(source AS VARCHAR) AS source
FROM source_frame;

COMMENT ON TABLE ref_instrument_items IS 'Items of each PROM instrument with their allowed answer range (data contract v1). Labels are short descriptors, not licensed item wording.';
COMMENT ON COLUMN ref_instrument_items.source IS 'Publication that defines the instrument.';
COMMENT ON COLUMN ref_instrument_items.instrument IS 'PROM instrument code of the data contract (PHQ9, GAD7, BPI_SF, PEG, PCS, PSEQ, WAI_SR); items in ref_instrument_items.';
COMMENT ON COLUMN ref_instrument_items.instrument_title IS 'Full name of the instrument.';
COMMENT ON COLUMN ref_instrument_items.item_number IS 'Item number, 1-based, in the contract''s order.';
COMMENT ON COLUMN ref_instrument_items.item_label IS 'Short descriptor of the item (not the licensed wording).';
COMMENT ON COLUMN ref_instrument_items.item_min IS 'Lowest allowed answer.';
COMMENT ON COLUMN ref_instrument_items.item_max IS 'Highest allowed answer.';
