-- Grain (episode_id): one row per episode.
-- Accepted values of delivery_mode: contract programs.delivery_mode.
-- Purpose: how far each patient got and how much therapist time they received: the
-- engagement funnel stages (referred, enrolled, started, half the modules, completed),
-- wait from referral to start, dose (share of modules or sessions completed) and
-- therapist minutes, as of the program's latest delivered activity.
CREATE OR REPLACE TABLE int_episode_engagement AS
WITH activity AS (
    SELECT
        episode_id,
        count(DISTINCT module_number) FILTER (WHERE event_type IN ('module_completed', 'live_session')) AS modules_completed,
        count(*) FILTER (WHERE event_type = 'login') AS logins,
        count(*) FILTER (WHERE event_type = 'message_from_therapist') AS therapist_messages,
        count(*) FILTER (WHERE event_type = 'live_session') AS live_sessions,
        coalesce(sum(minutes) FILTER (WHERE event_type IN ('message_from_therapist', 'live_session')), 0) AS therapist_minutes,
        coalesce(sum(minutes) FILTER (WHERE event_type IN ('login', 'module_completed', 'homework')), 0) AS patient_minutes,
        CAST(max(event_timestamp) AS DATE) AS last_activity_date
    FROM staging_engagement_events
    GROUP BY episode_id
),
program_as_of AS (
    SELECT
        episodes.program_id,
        greatest(max(activity.last_activity_date), max(greatest(episodes.referral_date, episodes.enrolment_date, episodes.start_date, episodes.end_date))) AS as_of_date
    FROM staging_episodes AS episodes
    LEFT JOIN activity USING (episode_id)
    GROUP BY episodes.program_id
)
SELECT
    episodes.episode_id,
    episodes.program_id,
    programs.delivery_mode,
    episodes.referral_date,
    year(episodes.referral_date) || '-Q' || quarter(episodes.referral_date) AS referral_quarter,
    episodes.start_date,
    episodes.end_date,
    episodes.status,
    programs.module_count,
    true AS referred,
    episodes.enrolment_date IS NOT NULL AS enrolled,
    episodes.start_date IS NOT NULL AS started,
    coalesce(activity.modules_completed, 0) * 2 >= programs.module_count AS reached_half_modules,
    episodes.status = 'completed' AS completed,
    coalesce(activity.modules_completed, 0) AS modules_completed,
    least(coalesce(activity.modules_completed, 0) / programs.module_count, 1.0) AS share_of_modules_completed,
    coalesce(activity.logins, 0) AS logins,
    coalesce(activity.therapist_messages, 0) AS therapist_messages,
    coalesce(activity.live_sessions, 0) AS live_sessions,
    coalesce(activity.therapist_minutes, 0) AS therapist_minutes,
    coalesce(activity.patient_minutes, 0) AS patient_minutes,
    date_diff('day', episodes.referral_date, episodes.start_date) AS wait_days,
    activity.last_activity_date,
    program_as_of.as_of_date
FROM staging_episodes AS episodes
JOIN staging_programs AS programs USING (program_id)
JOIN program_as_of USING (program_id)
LEFT JOIN activity USING (episode_id);

COMMENT ON TABLE int_episode_engagement IS 'Per episode: funnel stages, modules or sessions completed, logins, therapist time and wait to start. Modules completed counts distinct module numbers with a module_completed or live_session event (in-person and real-time programs deliver sessions).';
COMMENT ON COLUMN int_episode_engagement.reached_half_modules IS 'Completed at least half of the program''s modules (or sessions).';
COMMENT ON COLUMN int_episode_engagement.completed IS 'Discharged with reason completed.';
COMMENT ON COLUMN int_episode_engagement.therapist_minutes IS 'Therapist minutes: messages from the therapist plus live sessions.';
COMMENT ON COLUMN int_episode_engagement.wait_days IS 'Days from referral to first module or session; NULL if not started.';
COMMENT ON COLUMN int_episode_engagement.as_of_date IS 'Latest date in the program''s delivered data; ongoing episodes are censored here.';
