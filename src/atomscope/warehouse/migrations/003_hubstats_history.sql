-- atomscope warehouse, schema version 3: history imported from dumps and from the public
-- `cfahlgren1/hub-stats` dataset's git history, and the quality of every imported snapshot.

-- One row per dataset revision `atomscope import hub-stats` chose (repo, revision, file, file id = the
-- file's git blob id at that revision). Written in the same transaction as the revision's rows when it is
-- imported ('ok'), or on its own when it failed: 'invalid' (the file's content was refused; the same
-- blob is not downloaded again) or 'error' (download or network failure; retried by a rerun).
CREATE TABLE hubstats_revisions (
    repo            VARCHAR NOT NULL,
    revision        VARCHAR NOT NULL,
    path            VARCHAR NOT NULL,
    file_id         VARCHAR NOT NULL,
    lfs_sha256      VARCHAR,
    committed_at    TIMESTAMP NOT NULL,   -- commit time, UTC
    snapshot_date   DATE NOT NULL,        -- the commit's UTC date
    size            BIGINT,
    status          VARCHAR NOT NULL CHECK (status IN ('ok', 'invalid', 'error')),
    reason          VARCHAR,
    rows_read       BIGINT,
    details         JSON,
    endpoint        VARCHAR,
    run_id          BIGINT NOT NULL,
    finished_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (repo, revision, path, file_id)
);

-- One row per imported dump file and snapshot day (hub-dump and hub-stats): its size, for the checks below.
CREATE TABLE snapshot_imports (
    snapshot_date   DATE NOT NULL,
    source          VARCHAR NOT NULL,     -- hf_snapshots.source of its rows
    rows_read       BIGINT NOT NULL,      -- rows in the file
    tracked_rows    BIGINT NOT NULL,      -- tracked models it holds
    all_time_counts BOOLEAN NOT NULL,     -- false: the file has 30-day counts only (before 2025-02-27)
    run_id          BIGINT NOT NULL,
    imported_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (snapshot_date, source)
);

-- Source-quality flags of imported snapshots (kept in hf_snapshots, never used for interpolation).
CREATE TABLE snapshot_quality (
    snapshot_date   DATE NOT NULL,
    source          VARCHAR NOT NULL,
    flag            VARCHAR NOT NULL CHECK (flag IN ('rollback', 'stall', 'partial')),
    reason          VARCHAR NOT NULL,
    compared_with   DATE,                 -- the previous unflagged snapshot day it was compared with
    share           DOUBLE,               -- the share that triggered the flag
    run_id          BIGINT NOT NULL,
    flagged_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (snapshot_date, source, flag)
);
