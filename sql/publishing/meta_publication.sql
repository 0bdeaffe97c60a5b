-- One row: when the warehouse readers hold was published, and by which Dagster run.
-- Replaced at every publication; the dashboard shows it as the data's build time.
CREATE OR REPLACE TABLE meta_publication AS
SELECT
    CAST($published_at AS TIMESTAMP) AS published_at,
    CAST($run_id AS VARCHAR) AS run_id,
    (SELECT max(loaded_at) FROM ingest_load_ledger) AS last_load_at;

COMMENT ON TABLE meta_publication IS 'When this snapshot was published (UTC), by which Dagster run, and when data were last loaded.';
