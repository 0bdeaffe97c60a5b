-- Grain: one row per landing file path. A cache that lets a run skip hashing files it has
-- already hashed: the file system's fingerprint of the file (size, modification and
-- status-change times in nanoseconds, inode) when its content had the recorded SHA-256.
-- Any write, copy, rename-over or touch changes the status-change time, so a file whose
-- fingerprint matches still holds those bytes; any other file is hashed again. Losing the
-- table only costs one full re-hash.
CREATE TABLE IF NOT EXISTS ingest_file_fingerprints (
    source_file VARCHAR PRIMARY KEY,
    file_bytes BIGINT NOT NULL,
    mtime_ns BIGINT NOT NULL,
    ctime_ns BIGINT NOT NULL,
    inode BIGINT NOT NULL,
    content_sha256 VARCHAR NOT NULL
);

COMMENT ON TABLE ingest_file_fingerprints IS 'Cache of landing files already hashed: file-system fingerprint and the SHA-256 it had (lets a run skip re-hashing unchanged files).';
COMMENT ON COLUMN ingest_file_fingerprints.source_file IS 'Landing file path relative to the landing zone.';
COMMENT ON COLUMN ingest_file_fingerprints.file_bytes IS 'File size in bytes when hashed.';
COMMENT ON COLUMN ingest_file_fingerprints.mtime_ns IS 'Modification time (ns) when hashed.';
COMMENT ON COLUMN ingest_file_fingerprints.ctime_ns IS 'Status-change time (ns) when hashed; changes on every write, rename or touch.';
COMMENT ON COLUMN ingest_file_fingerprints.inode IS 'Inode number when hashed.';
COMMENT ON COLUMN ingest_file_fingerprints.content_sha256 IS 'SHA-256 of the content at that fingerprint.';
