-- One row: the publication stamp of a snapshot (its id, time, run and code version),
-- read by `icbt snapshots`, the dashboard's footer and the evidence brief.
SELECT snapshot_id, published_at, run_id, code_version
FROM meta_publication;
