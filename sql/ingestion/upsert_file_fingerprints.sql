-- Record the fingerprints of the files this run hashed (source_frame: one row per file).
INSERT OR REPLACE INTO ingest_file_fingerprints
SELECT source_file, file_bytes, mtime_ns, ctime_ns, inode, content_sha256
FROM source_frame;
