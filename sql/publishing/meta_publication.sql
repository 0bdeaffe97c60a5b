-- One row: which snapshot this is, when it was published, by which Dagster run and which
-- version of the code, and when data were last loaded. Replaced at every publication;
-- the dashboard shows the time and the id, the evidence brief cites both.
CREATE OR REPLACE TABLE meta_publication AS
SELECT
    CAST($snapshot_id AS VARCHAR) AS snapshot_id,
    CAST($published_at AS TIMESTAMP) AS published_at,
    CAST($run_id AS VARCHAR) AS run_id,
    CAST($code_version AS VARCHAR) AS code_version,
    (SELECT max(loaded_at) FROM ingest_load_ledger) AS last_load_at;

COMMENT ON TABLE meta_publication IS 'Which snapshot this is (id, kept read-only under warehouse/snapshots/<id>/), when it was published (UTC), by which Dagster run and code version, and when data were last loaded.';
COMMENT ON COLUMN meta_publication.snapshot_id IS 'Snapshot id: UTC publication date and sequence that day, e.g. 2026-12-07.1; cite it with any number taken from this file.';
COMMENT ON COLUMN meta_publication.published_at IS 'When this snapshot was published (UTC).';
COMMENT ON COLUMN meta_publication.run_id IS 'The Dagster run that built and published it.';
COMMENT ON COLUMN meta_publication.code_version IS 'Version of the pipeline code that built it: git commit (with -dirty for uncommitted changes) or the package version.';
COMMENT ON COLUMN meta_publication.last_load_at IS 'When the most recent landing file was loaded.';
