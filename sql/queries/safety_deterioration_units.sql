-- Episodes judged for reliable deterioration at $timepoint, one row per episode and
-- scale: both definitions' flags, the baseline score and the date the change was seen.
SELECT
    outcomes.episode_id,
    outcomes.program_id,
    outcomes.instrument,
    outcomes.scale,
    outcomes.score_date AS unit_date,
    outcomes.baseline_score,
    outcomes.reliable_deterioration AS jacobson_truax,
    outcomes.tt_reliable_deterioration AS talking_therapies
FROM int_episode_outcomes AS outcomes
WHERE outcomes.timepoint = $timepoint
  AND outcomes.score IS NOT NULL;
