-- atomscope warehouse: ModelScope adoption (issue 28). Written by `atomscope collect modelscope`
-- (collect/modelscope.py); read by the `downloads` metric (--by hub) and the "Beyond Hugging Face" section.

-- The organization registry gains the alias source 'modelscope' (ModelScope namespaces such as `Qwen`,
-- `ZhipuAI`). DuckDB cannot alter a CHECK constraint, so the table is rebuilt with its rows; the list of
-- sources is left to the file's contract (sources/registry.py ALIAS_SOURCES), which validates every row
-- on load, so that the next source added needs no rebuild.
CREATE TABLE org_aliases_v28 (
    source        VARCHAR NOT NULL,
    alias         VARCHAR NOT NULL,      -- exact string as the source spells it
    org_key       VARCHAR NOT NULL,
    PRIMARY KEY (source, alias)
);
INSERT INTO org_aliases_v28 SELECT source, alias, org_key FROM org_aliases;
DROP TABLE org_aliases;
ALTER TABLE org_aliases_v28 RENAME TO org_aliases;

-- Curated ModelScope repository -> Hub twin (bundled file modelscope_model_repos.csv; replaced as a whole
-- by `atomscope init`).
CREATE TABLE modelscope_model_repos (
    modelscope_id VARCHAR PRIMARY KEY,
    model_id      VARCHAR NOT NULL,      -- Hub repository id
    reason        VARCHAR NOT NULL,
    source_line   INTEGER NOT NULL
);

-- One row per day and ModelScope repository seen (tracked organizations' namespaces, curated twins).
-- downloads is ModelScope's cumulative count as the model detail reports it. model_id / match: the Hub
-- twin resolved at collection (NULL: unmapped, listed and never merged into a Hub model's figures).
CREATE TABLE modelscope_snapshots (
    snapshot_date  DATE NOT NULL,
    modelscope_id  VARCHAR NOT NULL,
    namespace      VARCHAR NOT NULL,
    downloads      BIGINT,
    likes          BIGINT,
    created_at     TIMESTAMP,
    license        VARCHAR,
    tags           VARCHAR[],
    org_key        VARCHAR,              -- namespace resolved through the registry (NULL: unknown)
    model_id       VARCHAR,              -- Hub twin (NULL: unmapped)
    match          VARCHAR CHECK (match IN ('curated', 'name')),
    collected_at   TIMESTAMP NOT NULL,
    endpoint       VARCHAR NOT NULL,
    run_id         BIGINT NOT NULL,
    PRIMARY KEY (snapshot_date, modelscope_id)
);
