-- Events that call for a therapist's follow-up while the episode is open: PHQ-9 item
-- $item_number answers of at least $item_minimum and days with a serious adverse event
-- (one trigger however many such events the day has), each with the first therapist
-- contact ($contact_types) on or after its date (UTC dates).
WITH open_episodes AS (
    SELECT episode_id, start_date, end_date
    FROM staging_episodes
    WHERE start_date IS NOT NULL
),
triggers AS (
    SELECT
        responses.episode_id,
        'item9_answer' AS trigger_type,
        responses.administered_date AS trigger_date
    FROM staging_prom_responses AS responses
    JOIN open_episodes AS episodes USING (episode_id)
    WHERE responses.instrument = $instrument
      AND responses.item_number = $item_number
      AND responses.value >= $item_minimum
      AND responses.administered_date >= episodes.start_date
      AND (episodes.end_date IS NULL OR responses.administered_date <= episodes.end_date)
    UNION ALL
    SELECT DISTINCT
        events.episode_id,
        'serious_adverse_event' AS trigger_type,
        events.event_date AS trigger_date
    FROM staging_adverse_events AS events
    JOIN open_episodes AS episodes USING (episode_id)
    WHERE events.serious
      AND events.event_date >= episodes.start_date
      AND (episodes.end_date IS NULL OR events.event_date <= episodes.end_date)
),
contacts AS (
    SELECT episode_id, CAST(event_timestamp AS DATE) AS contact_date
    FROM staging_engagement_events
    WHERE list_contains($contact_types, event_type)
)
SELECT triggers.episode_id, triggers.trigger_type, triggers.trigger_date, contacts.contact_date
FROM triggers
ASOF LEFT JOIN contacts
    ON contacts.episode_id = triggers.episode_id
   AND contacts.contact_date >= triggers.trigger_date;
