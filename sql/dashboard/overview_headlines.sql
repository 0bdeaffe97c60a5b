-- Every row of mart_overview_headlines: the Overview page's headline figures, one row per
-- reporting unit (all iCBT, each delivery mode), all iCBT first.
SELECT
    unit_type,
    unit_id,
    unit_label,
    delivery_mode,
    programs_registered,
    programs_in_development,
    programs_reporting,
    n_referred,
    n_started,
    n_completed,
    n_paired_post_treatment
FROM mart_overview_headlines
ORDER BY unit_type, unit_id;
