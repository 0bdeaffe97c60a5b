-- Program attributes for the meta-regressions: the CADTH Environmental Scan's dimensions
-- and the therapeutic alliance (mean WAI-SR total over the program's administrations).
SELECT
    programs.program_id,
    programs.therapist_trained_in_chronic_pain,
    programs.therapist_involvement,
    programs.length_weeks,
    programs.module_count,
    alliance.alliance_mean
FROM staging_programs AS programs
LEFT JOIN (
    SELECT episodes.program_id, avg(scores.score) AS alliance_mean
    FROM int_prom_scores AS scores
    JOIN staging_episodes AS episodes USING (episode_id)
    WHERE scores.instrument = 'WAI_SR' AND scores.scale = 'total' AND scores.score IS NOT NULL
    GROUP BY episodes.program_id
) AS alliance USING (program_id)
WHERE NOT programs.is_in_person
ORDER BY programs.program_id;
