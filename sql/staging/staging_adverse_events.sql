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
