-- Grain (episode_id, event_timestamp, event_type, module_number?): one row per engagement
-- event.
-- Accepted values of event_type: contract engagement_events.event_type.
-- Latest delivery = newest period (batch_id read as a YYYY-MM date, never sorted as
-- text), then newest load (ledger_id): a late re-delivery of an older period never wins.
-- Purpose: engagement events of known episodes, deduplicated across batches, with the
-- week of treatment each falls in.
CREATE OR REPLACE TABLE staging_engagement_events AS
SELECT
    events.episode_id,
    events.program_id,
    events.event_timestamp,
    events.event_type,
    events.module_number,
    events.minutes,
    date_diff('day', episodes.start_date, CAST(events.event_timestamp AS DATE)) // 7 AS treatment_week
FROM raw_engagement_events AS events
JOIN staging_episodes AS episodes USING (episode_id)
QUALIFY row_number() OVER (
    PARTITION BY events.episode_id, events.event_timestamp, events.event_type, events.module_number
    ORDER BY try_strptime(events.batch_id, '%Y-%m') DESC NULLS LAST, events.ledger_id DESC
) = 1;

COMMENT ON TABLE staging_engagement_events IS 'Engagement events (logins, modules, messages, live sessions, homework), deduplicated across batches. event_timestamp is UTC.';
COMMENT ON COLUMN staging_engagement_events.minutes IS 'Patient minutes for logins, modules and homework; therapist minutes for message_from_therapist and live_session.';
COMMENT ON COLUMN staging_engagement_events.treatment_week IS 'Whole weeks since the episode start (0 = first week); NULL if the episode has no start date.';
COMMENT ON COLUMN staging_engagement_events.episode_id IS 'Keyed hash (HMAC-SHA-256, first 8 bytes as BIGINT) of the program''s episode key; joins to staging_episodes.';
COMMENT ON COLUMN staging_engagement_events.program_id IS 'Program code of the data contract (e.g. ICBT04, INPERSON_ON), also the program''s landing-zone folder.';
COMMENT ON COLUMN staging_engagement_events.event_timestamp IS 'When the event happened, in UTC.';
COMMENT ON COLUMN staging_engagement_events.event_type IS 'login, module_started, module_completed, message_to_therapist, message_from_therapist, live_session or homework.';
COMMENT ON COLUMN staging_engagement_events.module_number IS 'Module (or session) number; set for module_started and module_completed.';
