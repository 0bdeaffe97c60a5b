-- One row per started episode and reporting unit: days from start to dropout, or to the
-- end of observation (other discharge, or the program's as-of date while ongoing).
SELECT
    units.unit_type,
    units.unit_id,
    units.unit_label,
    units.delivery_mode,
    greatest(date_diff('day', engagement.start_date, coalesce(engagement.end_date, engagement.as_of_date)), 0) AS duration_days,
    engagement.status = 'dropped_out' AS dropped_out
FROM int_episode_engagement AS engagement
JOIN int_reporting_units AS units USING (episode_id)
WHERE engagement.started;
