-- atomscope warehouse, schema version 24: the upstream files behind the loaded source versions, by blob id,
-- so that `sources update` of a moved head downloads only the files whose blob id changed, and the tree id
-- of the commit they were read at, so that a head with an identical tree costs one request (docs/sources.md).

CREATE TABLE upstream_files (
    upstream   VARCHAR NOT NULL,        -- e.g. 'mof' (see sources list)
    path       VARCHAR NOT NULL,        -- path inside the repository
    blob_sha   VARCHAR NOT NULL,        -- git's blob id of the content, as the tree listing gives it
    content    BLOB NOT NULL,           -- gzip of the file's text
    PRIMARY KEY (upstream, path)
);

ALTER TABLE source_checks ADD COLUMN tree_sha VARCHAR;  -- tree id of the commit last read successfully
