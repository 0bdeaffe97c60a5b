-- Grain (unit_type, unit_id, breakdown, group_value?, stop_reason): one row per reporting
-- unit (program, delivery mode, all iCBT), breakdown (all,
-- age_band, rurality, language, age_band_by_rurality), group of that breakdown and stop
-- reason.
-- Purpose: why patients stop (contract v2 only): the structured reasons of episodes that
-- ended dropped out or not started, by delivery mode and by group, so the barriers the
-- CADTH Environmental Scan named (technology, no device or connection, preference for
-- in-person care, privacy) can be seen where they cost people their treatment; the
-- funnel stage each reason stopped at; and the programs and episodes each row rests on.
CREATE OR REPLACE TABLE mart_stop_reasons AS
WITH v2_episodes AS (
    SELECT
        units.unit_type, units.unit_id, units.unit_label, units.delivery_mode, episodes.*,
        coalesce(episodes.stop_reason, 'not_recorded') AS reason
    FROM staging_episodes AS episodes
    JOIN int_reporting_units AS units USING (episode_id)
    WHERE episodes.contract_version = 'v2'
),
by_group AS (
    SELECT *, 'all' AS breakdown, 'all' AS group_value FROM v2_episodes
    UNION ALL SELECT *, 'age_band', age_band FROM v2_episodes
    UNION ALL SELECT *, 'rurality', rurality FROM v2_episodes
    UNION ALL SELECT *, 'language', language FROM v2_episodes
    UNION ALL SELECT *, 'age_band_by_rurality', age_band || ' ' || rurality FROM v2_episodes
),
groups AS (
    SELECT
        unit_type, unit_id, breakdown, group_value,
        count(DISTINCT program_id) AS n_programs,
        count(*) AS n_v2_episodes,
        count(*) FILTER (WHERE discharge_reason IN ('dropped_out', 'not_started')) AS n_stopped_in_group,
        count(stop_reason) AS n_recorded_in_group
    FROM by_group
    GROUP BY ALL
)
SELECT
    by_group.unit_type,
    by_group.unit_id,
    by_group.unit_label,
    by_group.delivery_mode,
    by_group.breakdown,
    by_group.group_value,
    by_group.reason AS stop_reason,
    count(*) AS n_stopped,
    count(*) FILTER (WHERE by_group.discharge_reason = 'not_started') AS n_not_started,
    count(*) FILTER (WHERE by_group.discharge_reason = 'dropped_out') AS n_dropped_out,
    any_value(groups.n_stopped_in_group) AS n_stopped_in_group,
    any_value(groups.n_recorded_in_group) AS n_recorded_in_group,
    CASE WHEN by_group.reason <> 'not_recorded'
        THEN count(*) / nullif(any_value(groups.n_recorded_in_group), 0)
    END AS share_of_recorded,
    any_value(groups.n_programs) AS n_programs,
    any_value(groups.n_v2_episodes) AS n_v2_episodes
FROM by_group
JOIN groups USING (unit_type, unit_id, breakdown, group_value)
WHERE by_group.discharge_reason IN ('dropped_out', 'not_started')
GROUP BY
    by_group.unit_type, by_group.unit_id, by_group.unit_label, by_group.delivery_mode,
    by_group.breakdown, by_group.group_value, by_group.reason;

COMMENT ON TABLE mart_stop_reasons IS 'Reasons for stopping (contract v2 stop_reason) of episodes that ended dropped_out or not_started, per reporting unit and group (breakdown all, age_band, rurality, language or age_band_by_rurality). Contract v2 episodes only: n_programs and n_v2_episodes say how many programs and episodes the group rests on. Counts are unsuppressed: suppress 1-4 before showing.';
COMMENT ON COLUMN mart_stop_reasons.unit_type IS 'program, delivery_mode or all_icbt (int_reporting_units).';
COMMENT ON COLUMN mart_stop_reasons.unit_id IS 'program_id, the delivery mode, or all_icbt.';
COMMENT ON COLUMN mart_stop_reasons.unit_label IS 'Readable unit name.';
COMMENT ON COLUMN mart_stop_reasons.delivery_mode IS 'Delivery mode of the unit; NULL for all_icbt.';
COMMENT ON COLUMN mart_stop_reasons.breakdown IS 'all, age_band, rurality, language, or age_band_by_rurality (both at once, where barriers that hit older people far from services show): the episode attributes the groups are cut by.';
COMMENT ON COLUMN mart_stop_reasons.group_value IS 'The group: all, an age band, urban/rural/remote, en/fr/other, or age band and rurality separated by a space (55-64 remote).';
COMMENT ON COLUMN mart_stop_reasons.stop_reason IS 'Contract v2 stop_reason code, or not_recorded when the program gave none.';
COMMENT ON COLUMN mart_stop_reasons.n_stopped IS 'Episodes of the group that stopped early with this reason.';
COMMENT ON COLUMN mart_stop_reasons.n_not_started IS 'Of n_stopped, those that ended before starting (discharge_reason not_started): the funnel stage they left at.';
COMMENT ON COLUMN mart_stop_reasons.n_dropped_out IS 'Of n_stopped, those that started and dropped out.';
COMMENT ON COLUMN mart_stop_reasons.n_stopped_in_group IS 'All episodes of the group that stopped early (dropped_out or not_started).';
COMMENT ON COLUMN mart_stop_reasons.n_recorded_in_group IS 'Episodes of the group that stopped early with a recorded stop_reason.';
COMMENT ON COLUMN mart_stop_reasons.share_of_recorded IS 'n_stopped / n_recorded_in_group: the reason''s share among recorded reasons; NULL for not_recorded.';
COMMENT ON COLUMN mart_stop_reasons.n_programs IS 'Programs with contract v2 episodes in the group.';
COMMENT ON COLUMN mart_stop_reasons.n_v2_episodes IS 'Contract v2 episodes of the group (referred, whatever their outcome).';
