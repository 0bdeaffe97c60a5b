-- Grain: one row per program and measure. The bare-DuckDB floor of the scale benchmark
-- (benchmarks/scale.py): what the pipeline's marts cost at the least, a join of every PROM
-- item answer and engagement event to its episode and a group-by over them, with no
-- validation, pseudonyms, scoring or statistics. Reads the bare_* tables the benchmark
-- loads straight from the landing files; never part of the warehouse.
CREATE OR REPLACE TABLE bare_aggregates AS
WITH episodes AS (
    SELECT DISTINCT episode_key, program_id FROM bare_episodes
),
items AS (
    SELECT e.program_id, p.instrument, count(*) AS n, avg(p.value) AS mean_value
    FROM bare_prom_responses AS p
    JOIN episodes AS e USING (episode_key)
    GROUP BY ALL
),
per_episode AS (
    SELECT episode_key, count(*) AS events, sum(minutes) AS minutes
    FROM bare_engagement_events
    GROUP BY episode_key
),
engagement AS (
    SELECT e.program_id, count(*) AS n, avg(x.events) AS mean_events,
        avg(x.minutes) AS mean_minutes
    FROM per_episode AS x
    JOIN episodes AS e USING (episode_key)
    GROUP BY ALL
)
SELECT program_id, instrument AS measure, n, mean_value AS mean FROM items
UNION ALL
SELECT program_id, 'events per episode', n, mean_events FROM engagement
UNION ALL
SELECT program_id, 'minutes per episode', n, mean_minutes FROM engagement;

COMMENT ON TABLE bare_aggregates IS 'Benchmark floor: per-program means of PROM item values and engagement per episode.';
COMMENT ON COLUMN bare_aggregates.program_id IS 'Program folder of the landing files.';
COMMENT ON COLUMN bare_aggregates.measure IS 'Instrument code, or an engagement measure.';
COMMENT ON COLUMN bare_aggregates.n IS 'Item answers, or episodes with engagement events.';
COMMENT ON COLUMN bare_aggregates.mean IS 'Mean item value, events or minutes per episode.';
