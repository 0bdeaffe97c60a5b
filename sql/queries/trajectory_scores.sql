-- Grain: one row per reporting unit, change-outcome scale and week of treatment.
-- Purpose: n, mean and SD of every scored administration of a change-outcome scale by
-- week of treatment (whole weeks from the episode start), from $first_week before the
-- start to $weeks_after_end weeks after the planned end. Aggregated here, within
-- DuckDB's memory limit: the administrations of a national cohort, once per reporting
-- unit, are tens of millions of rows. Python adds the t-interval.
SELECT
    units.unit_type,
    units.unit_id,
    units.unit_label,
    units.delivery_mode,
    scores.instrument,
    scores.scale,
    scales.outcome_label,
    scales.higher_is_better,
    CAST(floor(date_diff('day', episodes.start_date, scores.administered_date) / 7) AS INTEGER) AS treatment_week,
    count(scores.score) AS n,
    avg(scores.score) AS mean,
    stddev_samp(scores.score) AS sd
FROM int_prom_scores AS scores
JOIN ref_scales AS scales USING (instrument, scale)
JOIN staging_episodes AS episodes USING (episode_id)
JOIN int_reporting_units AS units USING (episode_id)
WHERE scores.score IS NOT NULL
  AND scales.is_change_outcome
  AND episodes.start_date IS NOT NULL
  AND scores.administered_date >= episodes.start_date + INTERVAL ($first_week * 7) DAY
  AND scores.administered_date < episodes.planned_end_date + INTERVAL ($weeks_after_end * 7) DAY
GROUP BY ALL;
