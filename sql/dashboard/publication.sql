-- When the published snapshot was made and by which run (one row), for /health and the
-- "data published" line under each page.
SELECT published_at, run_id
FROM meta_publication;
