-- Every row of mart_equity: reach, engagement and outcomes, one row per reporting unit,
-- equity dimension (age band, sex, rurality, language) and group.
SELECT
    unit_type,
    unit_id,
    unit_label,
    delivery_mode,
    dimension,
    group_value,
    n_referred,
    share_of_referrals,
    n_started,
    n_started_and_ended,
    n_completed,
    completion_rate,
    phq9_n_paired,
    phq9_mean_change,
    phq9_change_ci_low,
    phq9_change_ci_high,
    phq9_reliable_improvement_rate,
    n_case_at_start,
    n_recovered,
    recovery_rate,
    -- The level of every interval above, as this snapshot's configuration holds it.
    (
        SELECT value FROM ref_effectiveness_thresholds WHERE name = 'confidence_level'
    ) AS confidence_level
FROM mart_equity
ORDER BY unit_type, unit_id, dimension, group_value;
