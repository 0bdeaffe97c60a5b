-- Grain (episode_id, instrument, administered_date, item_number): one row per episode,
-- instrument, administration date and item.
-- Accepted values of instrument: contract prom_responses.instrument.
-- Latest delivery = newest period (batch_id read as a YYYY-MM date, never sorted as
-- text), then newest load (ledger_id): a late re-delivery of an older period never wins.
-- Purpose: PROM item answers of known episodes; when a later batch re-sends an item,
-- the latest delivery wins.
CREATE OR REPLACE TABLE staging_prom_responses AS
SELECT
    responses.episode_id,
    responses.program_id,
    responses.instrument,
    responses.administered_date,
    responses.item_number,
    responses.value
FROM raw_prom_responses AS responses
SEMI JOIN staging_episodes USING (episode_id)
QUALIFY row_number() OVER (
    PARTITION BY responses.episode_id, responses.instrument, responses.administered_date, responses.item_number
    ORDER BY try_strptime(responses.batch_id, '%Y-%m') DESC NULLS LAST, responses.ledger_id DESC
) = 1;

COMMENT ON TABLE staging_prom_responses IS 'PROM item responses (long form), deduplicated across batches. value NULL = item skipped. Item structure per instrument: contracts/v1/instruments.json.';
COMMENT ON COLUMN staging_prom_responses.episode_id IS 'Keyed hash (HMAC-SHA-256, first 8 bytes as BIGINT) of the program''s episode key; joins to staging_episodes.';
COMMENT ON COLUMN staging_prom_responses.program_id IS 'Program code of the data contract (e.g. ICBT04, INPERSON_ON), also the program''s landing-zone folder.';
COMMENT ON COLUMN staging_prom_responses.instrument IS 'PROM instrument code of the data contract (PHQ9, GAD7, BPI_SF, PEG, PCS, PSEQ, WAI_SR); items in ref_instrument_items.';
COMMENT ON COLUMN staging_prom_responses.administered_date IS 'Date the patient completed the questionnaire.';
COMMENT ON COLUMN staging_prom_responses.item_number IS 'Item number within the instrument, 1-based (ref_instrument_items).';
COMMENT ON COLUMN staging_prom_responses.value IS 'The item''s answer; NULL if skipped.';
