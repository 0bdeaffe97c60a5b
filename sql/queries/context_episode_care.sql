-- Per episode, whether it is an in-person comparator episode, which contract version its
-- latest delivery followed and whether it had concurrent multidisciplinary pain care
-- (physiotherapy, a pain clinic or a medication review; contract v2, NULL under v1):
-- the strata of mart_care_modification.
SELECT
    episodes.episode_id,
    episodes.program_id,
    programs.is_in_person,
    episodes.contract_version,
    episodes.concurrent_physiotherapy
        OR episodes.concurrent_pain_clinic
        OR episodes.concurrent_medication_review AS multidisciplinary_care
FROM staging_episodes AS episodes
JOIN staging_programs AS programs USING (program_id)
ORDER BY episodes.episode_id;
