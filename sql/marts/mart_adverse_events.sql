-- Grain (program_id, category, severity, serious, relatedness): one row per program,
-- adverse-event category, severity, seriousness and relatedness.
-- Accepted values of delivery_mode: contract programs.delivery_mode.
-- Accepted values of category: contract adverse_events.category.
-- Accepted values of severity: contract adverse_events.severity.
-- Accepted values of relatedness: contract adverse_events.relatedness.
-- Purpose: the adverse events each program reports, with the started episodes they come
-- from, for the safety dashboard and researchers.
CREATE OR REPLACE TABLE mart_adverse_events AS
WITH started AS (
    SELECT program_id, count(*) AS episodes_started
    FROM staging_episodes
    WHERE start_date IS NOT NULL
    GROUP BY program_id
)
SELECT
    programs.program_id,
    programs.program_name,
    programs.delivery_mode,
    events.category,
    events.severity,
    events.serious,
    events.relatedness,
    count(*) AS events,
    count(DISTINCT events.episode_id) AS episodes_with_event,
    coalesce(started.episodes_started, 0) AS episodes_started,
    min(events.event_date) AS first_event_date,
    max(events.event_date) AS last_event_date
FROM staging_adverse_events AS events
JOIN staging_programs AS programs USING (program_id)
LEFT JOIN started USING (program_id)
GROUP BY ALL
ORDER BY programs.program_id, events.category, events.severity, events.serious, events.relatedness;

COMMENT ON TABLE mart_adverse_events IS 'Adverse events per program by category, severity (mild, moderate, severe), seriousness (ICH E2A) and relatedness (WHO-UMC). Counts are unsuppressed: suppress counts from 1 to below the threshold of config/suppression.yaml before showing them. Rates against in-person CBT are in mart_safety_indicators.';
COMMENT ON COLUMN mart_adverse_events.events IS 'Adverse events reported.';
COMMENT ON COLUMN mart_adverse_events.episodes_with_event IS 'Distinct episodes with at least one such event.';
COMMENT ON COLUMN mart_adverse_events.episodes_started IS 'Started episodes of the program (all categories): the denominator of a crude rate.';
COMMENT ON COLUMN mart_adverse_events.program_id IS 'Program code of the data contract (e.g. ICBT04, INPERSON_ON), also the program''s landing-zone folder.';
COMMENT ON COLUMN mart_adverse_events.program_name IS 'Public name of the program or clinic, as most recently delivered (staging_programs).';
COMMENT ON COLUMN mart_adverse_events.delivery_mode IS 'self_guided, guided_asynchronous, therapist_realtime or in_person (the in-person CBT comparator).';
COMMENT ON COLUMN mart_adverse_events.category IS 'suicidal_ideation, self_harm, symptom_deterioration, pain_flare, emergency_visit, hospitalisation or other.';
COMMENT ON COLUMN mart_adverse_events.severity IS 'mild, moderate or severe.';
COMMENT ON COLUMN mart_adverse_events.serious IS 'Serious adverse event in the ICH E2A sense.';
COMMENT ON COLUMN mart_adverse_events.relatedness IS 'WHO-UMC causality: not_related, unlikely, possible, probable or certain.';
COMMENT ON COLUMN mart_adverse_events.first_event_date IS 'Earliest onset date in the group.';
COMMENT ON COLUMN mart_adverse_events.last_event_date IS 'Latest onset date in the group.';
