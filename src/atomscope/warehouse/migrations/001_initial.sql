-- atomscope warehouse, schema version 1.
-- Reference tables (organizations, models, bundled sources) are replaced as a whole by `atomscope init`
-- in one transaction. Observation tables (hf_*, availability_events, derivative_edges) are append-only
-- history: a row is never updated in place except where its comment says so.

CREATE TABLE load_runs (
    run_id        BIGINT PRIMARY KEY,
    kind          VARCHAR NOT NULL,      -- 'bundled', 'hf_snapshot', 'hf_crawl', 'hf_discovery', 'import_dump'
    started_at    TIMESTAMP NOT NULL,
    finished_at   TIMESTAMP,
    status        VARCHAR NOT NULL,      -- 'running', 'ok', 'failed', 'interrupted'
    endpoint      VARCHAR,
    details       JSON                   -- counters, skipped rows by reason, source file checksums
);
CREATE SEQUENCE load_run_ids START 1;

-- Provenance of every bundled file: which file, its checksum and its upstream origin (SOURCES.md).
CREATE TABLE source_files (
    source_key    VARCHAR PRIMARY KEY,   -- e.g. 'atom_tracked_models'
    file_name     VARCHAR NOT NULL,
    sha256        VARCHAR NOT NULL,
    row_count     BIGINT NOT NULL,
    loaded_at     TIMESTAMP NOT NULL,
    run_id        BIGINT NOT NULL
);

CREATE TABLE organizations (
    org_key       VARCHAR PRIMARY KEY,
    display_name  VARCHAR NOT NULL,
    region        VARCHAR NOT NULL CHECK (region IN ('us', 'china', 'eu', 'other', 'unknown')),
    country       VARCHAR                -- ISO 3166-1 alpha-2, NULL where not defensible
);

CREATE TABLE org_aliases (
    source        VARCHAR NOT NULL CHECK (source IN ('hf', 'lmarena', 'epoch', 'osai', 'mof')),
    alias         VARCHAR NOT NULL,      -- exact string as the source spells it (case-sensitive)
    org_key       VARCHAR NOT NULL,
    PRIMARY KEY (source, alias)
);

-- Tracked models: ATOM's lists plus models accepted through discovery.
CREATE TABLE models (
    model_id      VARCHAR PRIMARY KEY,
    hf_org        VARCHAR NOT NULL,
    list          VARCHAR NOT NULL CHECK (list IN ('primary', 'extra')),
    added_by      VARCHAR NOT NULL CHECK (added_by IN ('atom', 'discovery')),
    added_on      DATE NOT NULL
);

CREATE TABLE model_parameters (
    model_id        VARCHAR PRIMARY KEY,
    total_params_b  DOUBLE,
    active_params_b DOUBLE,
    is_moe          BOOLEAN
);

CREATE TABLE release_date_corrections (
    model_id            VARCHAR PRIMARY KEY,
    hf_created_at       DATE,
    actual_release_date DATE NOT NULL
);

-- Derived per-model facts (parameters in ATOM's resolution order, size bucket, release date);
-- recomputed from the tables above and the latest hub snapshot by `refresh_model_facts`.
CREATE TABLE model_facts (
    model_id              VARCHAR PRIMARY KEY,
    total_params_b        DOUBLE,
    active_params_b       DOUBLE,
    is_moe                BOOLEAN,
    params_source         VARCHAR,   -- 'curated', 'safetensors', 'name', NULL when unknown
    size_bucket           VARCHAR,   -- ATOM buckets, see catalog/params.py
    release_date          DATE,
    release_date_source   VARCHAR,   -- 'correction', 'hf_created_at', NULL
    created_at_placeholder BOOLEAN NOT NULL DEFAULT FALSE
);

-- One row per tracked model and snapshot day. Same-day reruns do not insert twice.
CREATE TABLE hf_snapshots (
    model_id            VARCHAR NOT NULL,
    snapshot_date       DATE NOT NULL,
    downloads_30d       BIGINT,
    downloads_all_time  BIGINT,
    likes               BIGINT,
    created_at          TIMESTAMP,
    last_modified       TIMESTAMP,
    pipeline_tag        VARCHAR,
    library_name        VARCHAR,
    gated               VARCHAR,    -- 'false', 'auto', 'manual'
    safetensors_total   BIGINT,
    tags                VARCHAR[],
    collected_at        TIMESTAMP NOT NULL,
    endpoint            VARCHAR,
    source              VARCHAR NOT NULL,   -- 'api' or 'import:<file name>'
    run_id              BIGINT NOT NULL,
    PRIMARY KEY (model_id, snapshot_date)
);

-- Availability watch: a row only when a model's status changes.
CREATE TABLE availability_events (
    model_id      VARCHAR NOT NULL,
    observed_on   DATE NOT NULL,
    status        VARCHAR NOT NULL CHECK (status IN ('available', 'gated', 'removed', 'renamed')),
    new_model_id  VARCHAR,
    http_status   INTEGER,
    collected_at  TIMESTAMP NOT NULL,
    run_id        BIGINT NOT NULL,
    PRIMARY KEY (model_id, observed_on)
);

-- Any Hub model seen by the new-model crawl (derivatives and discovery candidates).
CREATE TABLE hub_models (
    model_id            VARCHAR PRIMARY KEY,
    author              VARCHAR,
    created_at          TIMESTAMP,
    downloads_30d       BIGINT,     -- as of last_seen_at (updated in place: a crawl observation)
    likes               BIGINT,
    pipeline_tag        VARCHAR,
    tags                VARCHAR[],
    first_seen_at       TIMESTAMP NOT NULL,
    last_seen_at        TIMESTAMP NOT NULL,
    run_id              BIGINT NOT NULL
);

CREATE TABLE derivative_edges (
    child_id      VARCHAR NOT NULL,
    parent_id     VARCHAR NOT NULL,
    relation      VARCHAR NOT NULL CHECK (relation IN ('finetune', 'adapter', 'quantized', 'merge')),
    first_seen_at TIMESTAMP NOT NULL,
    run_id        BIGINT NOT NULL,
    PRIMARY KEY (child_id, parent_id, relation)
);

-- Resumable crawls: one row per crawl name; updated in the same transaction as the page it covers.
CREATE TABLE crawl_state (
    crawl_name    VARCHAR PRIMARY KEY,
    watermark     TIMESTAMP,     -- newest createdAt fully covered by finished runs
    cursor        VARCHAR,       -- next-page URL of the run in progress, NULL when none
    run_watermark TIMESTAMP,     -- newest createdAt seen by the run in progress
    updated_at    TIMESTAMP NOT NULL
);

CREATE TABLE candidates (
    model_id      VARCHAR PRIMARY KEY,
    hf_org        VARCHAR NOT NULL,
    pipeline_tag  VARCHAR,
    downloads_30d BIGINT,
    decision      VARCHAR NOT NULL CHECK (decision IN ('primary', 'extra', 'rejected')),
    rule          VARCHAR,
    discovered_at TIMESTAMP NOT NULL,
    accepted_on   DATE
);

-- Bundled third-party sources, loaded as published (raw strings kept; resolution happens in views/metrics).
CREATE TABLE arena_scores (
    snapshot_date DATE NOT NULL,
    rank          INTEGER,
    model         VARCHAR NOT NULL,
    arena_score   DOUBLE NOT NULL,
    ci_95         VARCHAR,
    votes         BIGINT,
    organization  VARCHAR,
    license       VARCHAR,
    source_line   INTEGER NOT NULL
);

CREATE TABLE epoch_models (
    model                  VARCHAR NOT NULL,
    organization           VARCHAR,
    publication_date       DATE,
    domain                 VARCHAR,
    task                   VARCHAR,
    parameters             DOUBLE,
    training_compute_flop  DOUBLE,
    organization_categorization VARCHAR,
    country_of_organization VARCHAR,
    base_model             VARCHAR,
    model_accessibility    VARCHAR,
    training_code_accessibility VARCHAR,
    inference_code_accessibility VARCHAR,
    frontier_model         VARCHAR,
    source_line            INTEGER NOT NULL
);

CREATE TABLE osai_systems (
    system                VARCHAR NOT NULL,
    organization          VARCHAR,
    national_origin       VARCHAR,
    contributor_type      VARCHAR,
    type                  VARCHAR,
    base_model            VARCHAR,
    end_model             VARCHAR,
    end_model_license     VARCHAR,
    release_date          VARCHAR,   -- YYYY-MM as published
    link                  VARCHAR,
    datasources_basemodel VARCHAR,
    datasources_endmodel  VARCHAR,
    weights_basemodel     VARCHAR,
    weights_endmodel      VARCHAR,
    trainingcode          VARCHAR,
    code                  VARCHAR,
    hardware_architecture VARCHAR,
    preprint              VARCHAR,
    paper                 VARCHAR,
    modelcard             VARCHAR,
    datasheet             VARCHAR,
    licenses              VARCHAR,
    source_line           INTEGER NOT NULL
);

CREATE TABLE mof_components (
    release           VARCHAR NOT NULL,
    version           VARCHAR,
    date              DATE,
    producer          VARCHAR,
    origin            VARCHAR,
    huggingface       VARCHAR,
    type              VARCHAR,
    component         VARCHAR NOT NULL,
    component_license VARCHAR,
    source_line       INTEGER NOT NULL
);

CREATE TABLE leaderboard_v2 (
    model_name        VARCHAR NOT NULL,
    model_type        VARCHAR,
    model_architecture VARCHAR,
    model_precision   VARCHAR,
    average_score     DOUBLE,
    is_merged         BOOLEAN,
    is_moe            BOOLEAN,
    is_official_provider BOOLEAN,
    upload_date       DATE,
    base_model        VARCHAR,
    hub_license       VARCHAR,
    hub_hearts        BIGINT,
    params_billions   DOUBLE,
    ifeval            DOUBLE,
    bbh               DOUBLE,
    math              DOUBLE,
    gpqa              DOUBLE,
    musr              DOUBLE,
    mmlu_pro          DOUBLE,
    source_line       INTEGER NOT NULL
);
