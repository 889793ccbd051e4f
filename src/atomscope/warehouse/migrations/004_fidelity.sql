-- atomscope warehouse, schema version 4: fidelity of open-weight status, MOF licenses and availability.

-- Curated LMArena corrections (arena_open_weight_corrections.csv): a board entry whose published license
-- label misstates whether its weights were released. Replaced as a whole by `atomscope init`.
CREATE TABLE arena_open_weight_corrections (
    arena_model   VARCHAR PRIMARY KEY,
    open_weights  BOOLEAN NOT NULL,
    reason        VARCHAR NOT NULL,
    source        VARCHAR NOT NULL,
    source_line   INTEGER NOT NULL
);

-- Curated LMArena name -> tracked Hugging Face repository (arena_model_repos.csv), for the open models that
-- reached an open top 10: the tracked repository confirms the weights are public.
CREATE TABLE arena_model_repos (
    arena_model   VARCHAR PRIMARY KEY,
    model_id      VARCHAR NOT NULL,
    reason        VARCHAR NOT NULL,
    source        VARCHAR NOT NULL,
    source_line   INTEGER NOT NULL
);

-- The release-wide licenses the Model Openness Tool falls back on (release.license.*.name in its YAML).
ALTER TABLE mof_components ADD COLUMN global_license_distribution VARCHAR;
ALTER TABLE mof_components ADD COLUMN global_license_code VARCHAR;
ALTER TABLE mof_components ADD COLUMN global_license_data VARCHAR;
ALTER TABLE mof_components ADD COLUMN global_license_document VARCHAR;

-- Availability gains 'disabled' (the Hub answers 403 "Access to this resource is disabled."). DuckDB cannot
-- alter a CHECK constraint, so the table is rebuilt with its rows.
CREATE TABLE availability_events_v4 (
    model_id      VARCHAR NOT NULL,
    observed_on   DATE NOT NULL,
    status        VARCHAR NOT NULL CHECK (status IN ('available', 'gated', 'removed', 'renamed', 'disabled')),
    new_model_id  VARCHAR,
    http_status   INTEGER,
    collected_at  TIMESTAMP NOT NULL,
    run_id        BIGINT NOT NULL,
    PRIMARY KEY (model_id, observed_on)
);
INSERT INTO availability_events_v4 SELECT * FROM availability_events;
DROP TABLE availability_events;
ALTER TABLE availability_events_v4 RENAME TO availability_events;
