-- Adverse events of started episodes, with the fields indicator filters select on.
SELECT
    events.episode_id,
    events.event_date,
    events.category,
    events.severity,
    events.serious,
    events.relatedness
FROM staging_adverse_events AS events
SEMI JOIN staging_episodes AS episodes
    ON episodes.episode_id = events.episode_id AND episodes.start_date IS NOT NULL;
