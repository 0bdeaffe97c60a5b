-- Each episode appears once.
SELECT count(*) - count(DISTINCT episode_id) AS violations, count(*) AS denominator
FROM staging_episodes;
