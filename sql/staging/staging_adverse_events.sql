-- Grain (episode_id, event_date, category): one row per adverse event (episode, onset
-- date, category).
-- Accepted values of category: contract adverse_events.category.
-- Accepted values of severity: contract adverse_events.severity.
-- Accepted values of relatedness: contract adverse_events.relatedness.
-- Latest delivery = newest period (batch_id read as a YYYY-MM date, never sorted as
-- text), then newest load (ledger_id): a late re-delivery of an older period never wins.
-- Purpose: adverse events of known episodes, deduplicated across batches.
CREATE OR REPLACE TABLE staging_adverse_events AS
SELECT
    events.episode_id,
    events.program_id,
    events.event_date,
    events.category,
    events.severity,
    events.serious,
    events.relatedness
FROM raw_adverse_events AS events
SEMI JOIN staging_episodes USING (episode_id)
QUALIFY row_number() OVER (
    PARTITION BY events.episode_id, events.event_date, events.category
    ORDER BY try_strptime(events.batch_id, '%Y-%m') DESC NULLS LAST, events.ledger_id DESC
) = 1;

COMMENT ON TABLE staging_adverse_events IS 'Adverse events by category, severity (mild, moderate, severe), seriousness (ICH E2A) and relatedness (WHO-UMC), deduplicated across batches.';
COMMENT ON COLUMN staging_adverse_events.episode_id IS 'Keyed hash (HMAC-SHA-256, first 8 bytes as BIGINT) of the program''s episode key; joins to staging_episodes.';
COMMENT ON COLUMN staging_adverse_events.program_id IS 'Program code of the data contract (e.g. ICBT04, INPERSON_ON), also the program''s landing-zone folder.';
COMMENT ON COLUMN staging_adverse_events.event_date IS 'Date of onset.';
COMMENT ON COLUMN staging_adverse_events.category IS 'suicidal_ideation, self_harm, symptom_deterioration, pain_flare, emergency_visit, hospitalisation or other.';
COMMENT ON COLUMN staging_adverse_events.severity IS 'mild, moderate or severe.';
COMMENT ON COLUMN staging_adverse_events.serious IS 'Serious adverse event in the ICH E2A sense.';
COMMENT ON COLUMN staging_adverse_events.relatedness IS 'WHO-UMC causality: not_related, unlikely, possible, probable or certain.';
