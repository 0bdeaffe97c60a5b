-- The id of the published snapshot (one row), for the line under every page and the
-- names of downloads, so a reader can cite which snapshot a number came from.
SELECT snapshot_id
FROM meta_publication;
