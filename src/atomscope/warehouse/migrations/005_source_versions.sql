-- atomscope warehouse, schema version 5: versions of every reference source (`atomscope sources ...`).
-- A version is one content of one bundled table (in the bundled file's format), either the copy shipped
-- in the package ('bundled') or one fetched from its upstream and transformed ('fetched'). Versions are
-- never updated or deleted: `source_files.version_id` names the version the reference table now holds, so
-- every figure computed from that table can be traced to it, and `sources diff` compares any two.

CREATE SEQUENCE source_version_ids START 1;

CREATE TABLE source_versions (
    version_id        BIGINT PRIMARY KEY,
    source_key        VARCHAR NOT NULL,      -- a bundled table, e.g. 'atom_tracked_models'
    upstream          VARCHAR NOT NULL,      -- the upstream it comes from, e.g. 'atom' (see sources list)
    origin            VARCHAR NOT NULL,      -- 'github.com/owner/repo: path, path' or the publisher's URL
    upstream_version  VARCHAR,               -- commit id (repositories) or ETag (URLs); NULL when unknown
    upstream_date     TIMESTAMP,             -- commit date, or the response's Last-Modified
    kind              VARCHAR NOT NULL CHECK (kind IN ('bundled', 'fetched')),
    sha256            VARCHAR NOT NULL,      -- of `content`
    row_count         BIGINT NOT NULL,
    created_at        TIMESTAMP NOT NULL,
    run_id            BIGINT NOT NULL,       -- the load run that recorded it
    content           BLOB NOT NULL          -- gzip of the file in the bundled contract's format
);

-- The last check of each upstream: what it answered, so an unchanged source costs one request next time.
CREATE TABLE source_checks (
    upstream          VARCHAR PRIMARY KEY,
    checked_at        TIMESTAMP NOT NULL,
    status            VARCHAR NOT NULL,      -- 'updated', 'unchanged', 'failed', 'dry-run'
    upstream_version  VARCHAR,               -- commit id or ETag last seen
    etag              VARCHAR,               -- validator for If-None-Match
    message           VARCHAR,
    run_id            BIGINT NOT NULL
);

ALTER TABLE source_files ADD COLUMN version_id BIGINT;
