-- One row per episode: the case-mix and baseline-severity features the drift reports
-- compare, with the batch that first delivered the episode (its cohort) and whether its
-- program is an in-person clinic. Baseline scores are the scored baseline administrations
-- of int_episode_timepoints. Engagement is the number of engagement events in the first
-- 28 days from the start, only where the program's events already cover those 28 days
-- (otherwise a recent batch would look less engaged merely for being recent).
WITH first_delivery AS (
    SELECT episode_id, min(batch_id) AS cohort_batch FROM raw_episodes GROUP BY episode_id
),
baseline AS (
    SELECT
        episode_id,
        max(score) FILTER (WHERE instrument = 'PHQ9' AND scale = 'total') AS baseline_phq9,
        max(score) FILTER (WHERE instrument = 'GAD7' AND scale = 'total') AS baseline_gad7,
        max(score) FILTER (WHERE instrument = 'PEG' AND scale = 'total') AS baseline_peg
    FROM int_episode_timepoints
    WHERE timepoint = 'baseline'
    GROUP BY episode_id
),
horizon AS (
    SELECT program_id, max(CAST(event_timestamp AS DATE)) AS last_event_day
    FROM staging_engagement_events
    GROUP BY program_id
),
engagement AS (
    SELECT events.episode_id, count(*) AS events_28d
    FROM staging_engagement_events AS events
    JOIN staging_episodes AS episodes USING (episode_id)
    WHERE CAST(events.event_timestamp AS DATE) >= episodes.start_date
      AND CAST(events.event_timestamp AS DATE) < episodes.start_date + 28
    GROUP BY events.episode_id
)
SELECT
    episodes.program_id,
    programs.delivery_mode = 'in_person' AS in_person,
    first_delivery.cohort_batch,
    episodes.age_band,
    episodes.sex,
    episodes.rurality,
    baseline.baseline_phq9,
    baseline.baseline_gad7,
    baseline.baseline_peg,
    CASE
        WHEN episodes.start_date + 28 <= horizon.last_event_day
            THEN CAST(coalesce(engagement.events_28d, 0) AS DOUBLE)
    END AS engagement_events_28d
FROM staging_episodes AS episodes
JOIN staging_programs AS programs USING (program_id)
JOIN first_delivery USING (episode_id)
LEFT JOIN baseline USING (episode_id)
LEFT JOIN horizon USING (program_id)
LEFT JOIN engagement USING (episode_id)
ORDER BY episodes.program_id, first_delivery.cohort_batch, episodes.episode_id;
