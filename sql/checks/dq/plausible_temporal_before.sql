-- Check type plausible_temporal_before (plausibility): rows of $table_name whose $field
-- (a date or timestamp) lies more than $days days after their episode's $episode_field,
-- taken from the episode's latest delivered version. Rows without either date (an
-- episode still open has no end date) do not count.
WITH episodes AS (
    SELECT episode_id, COLUMNS(lambda c: c = $episode_field) AS anchor
    FROM raw_episodes
    QUALIFY row_number() OVER (PARTITION BY episode_id ORDER BY try_strptime(batch_id, '%Y-%m') DESC NULLS LAST, ledger_id DESC) = 1
),
dated AS (
    SELECT episode_id, CAST(COLUMNS(lambda c: c = $field) AS DATE) AS day
    FROM query_table($table_name)
)
SELECT
    count(*) FILTER (WHERE dated.day > episodes.anchor + CAST($days AS INTEGER)) AS violations,
    count(*) AS denominator
FROM dated
JOIN episodes USING (episode_id)
WHERE dated.day IS NOT NULL AND episodes.anchor IS NOT NULL;
