-- Check type episode_without_records (completeness): episodes that started at least
-- $min_days days before their program's latest referral (so there was time to record
-- something) with no row in $table_name, matched on $field. Each episode counts once,
-- in its latest delivered version.
WITH episodes AS (
    SELECT episode_id, program_id, start_date, referral_date
    FROM raw_episodes
    QUALIFY row_number() OVER (PARTITION BY episode_id ORDER BY try_strptime(batch_id, '%Y-%m') DESC NULLS LAST, ledger_id DESC) = 1
),
horizon AS (
    SELECT program_id, max(referral_date) AS last_referral FROM episodes GROUP BY program_id
),
eligible AS (
    SELECT episodes.episode_id
    FROM episodes
    JOIN horizon USING (program_id)
    WHERE episodes.start_date <= horizon.last_referral - CAST($min_days AS INTEGER)
),
present AS (
    SELECT DISTINCT COLUMNS(lambda c: c = $field) AS episode_id FROM query_table($table_name)
)
SELECT
    count(*) FILTER (WHERE present.episode_id IS NULL) AS violations,
    count(*) AS denominator
FROM eligible
LEFT JOIN present USING (episode_id);
