-- Grain (unit_type, unit_id, period, standard): one row per reporting unit, period
-- (referral quarter or 'all') and waiting-time standard (ref_waiting_time_standards).
-- Accepted values of delivery_mode: contract programs.delivery_mode.
-- Accepted values of standard: ref_waiting_time_standards.standard.
-- Purpose: wait from referral to the first module or session, against waiting-time
-- standards; the quartiles repeat on each standard's row.
CREATE OR REPLACE TABLE mart_wait_times AS
SELECT
    units.unit_type,
    units.unit_id,
    units.unit_label,
    units.delivery_mode,
    coalesce(engagement.referral_quarter, 'all') AS period,
    standards.standard,
    standards.days AS standard_days,
    standards.target_share,
    count(*) AS n_started,
    count(*) FILTER (WHERE engagement.wait_days <= standards.days) AS n_within_standard,
    count(*) FILTER (WHERE engagement.wait_days <= standards.days) / count(*) AS share_within_standard,
    quantile_cont(engagement.wait_days, 0.25) AS wait_days_p25,
    quantile_cont(engagement.wait_days, 0.5) AS wait_days_median,
    quantile_cont(engagement.wait_days, 0.75) AS wait_days_p75
FROM int_episode_engagement AS engagement
JOIN int_reporting_units AS units USING (episode_id)
CROSS JOIN ref_waiting_time_standards AS standards
WHERE engagement.started
GROUP BY GROUPING SETS (
    (units.unit_type, units.unit_id, units.unit_label, units.delivery_mode, engagement.referral_quarter,
     standards.standard, standards.days, standards.target_share),
    (units.unit_type, units.unit_id, units.unit_label, units.delivery_mode,
     standards.standard, standards.days, standards.target_share)
);

COMMENT ON TABLE mart_wait_times IS 'Days from referral to start among started episodes, per reporting unit and referral quarter, with the share starting within each waiting-time standard of ref_waiting_time_standards. Counts are unsuppressed.';
COMMENT ON COLUMN mart_wait_times.share_within_standard IS 'n_within_standard / n_started; compare with target_share.';
COMMENT ON COLUMN mart_wait_times.unit_type IS 'Kind of reporting unit: program, delivery_mode or all_icbt (int_reporting_units).';
COMMENT ON COLUMN mart_wait_times.unit_id IS 'The unit: the program_id for a program, the delivery mode for a delivery_mode unit, all_icbt for all iCBT programs together.';
COMMENT ON COLUMN mart_wait_times.unit_label IS 'Display name of the unit: the program name, the delivery mode with spaces, or All iCBT programs.';
COMMENT ON COLUMN mart_wait_times.delivery_mode IS 'Delivery mode of the unit: self_guided, guided_asynchronous, therapist_realtime or in_person; NULL for the all_icbt unit.';
COMMENT ON COLUMN mart_wait_times.n_started IS 'Started episodes (with a first module or session). Unsuppressed count: suppress small counts (config/suppression.yaml threshold) before showing it.';
COMMENT ON COLUMN mart_wait_times.period IS 'Referral quarter (YYYY-Qn) or all.';
COMMENT ON COLUMN mart_wait_times.standard IS 'Waiting-time standard code (ref_waiting_time_standards.standard).';
COMMENT ON COLUMN mart_wait_times.standard_days IS 'Days from referral within which the standard expects a start (ref_waiting_time_standards.days).';
COMMENT ON COLUMN mart_wait_times.target_share IS 'Share of patients the standard expects to start within standard_days (ref_waiting_time_standards.target_share).';
COMMENT ON COLUMN mart_wait_times.n_within_standard IS 'Started episodes whose wait was at most standard_days. Unsuppressed count: suppress small counts (config/suppression.yaml threshold) before showing it.';
COMMENT ON COLUMN mart_wait_times.wait_days_p25 IS '25th percentile of days from referral to start (interpolated).';
COMMENT ON COLUMN mart_wait_times.wait_days_median IS 'Median days from referral to start (interpolated).';
COMMENT ON COLUMN mart_wait_times.wait_days_p75 IS '75th percentile of days from referral to start (interpolated).';
