-- Every cached landing-file fingerprint with the hash its content had.
SELECT source_file, file_bytes, mtime_ns, ctime_ns, inode, content_sha256
FROM ingest_file_fingerprints;
