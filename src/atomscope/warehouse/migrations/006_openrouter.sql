-- atomscope warehouse, schema version 6: OpenRouter inference (issue 14).
-- Written by `atomscope collect openrouter` (collect/openrouter.py) and `atomscope import openrouter`
-- (collect/openrouter_usage.py); read by the `inference_share` metric.

-- The organization registry gains the alias source 'openrouter' (author slugs such as `qwen`, `z-ai`).
-- DuckDB cannot alter a CHECK constraint, so the table is rebuilt with its rows.
CREATE TABLE org_aliases_v6 (
    source        VARCHAR NOT NULL CHECK (source IN ('hf', 'lmarena', 'epoch', 'osai', 'mof', 'openrouter')),
    alias         VARCHAR NOT NULL,      -- exact string as the source spells it (case-sensitive)
    org_key       VARCHAR NOT NULL,
    PRIMARY KEY (source, alias)
);
INSERT INTO org_aliases_v6 SELECT source, alias, org_key FROM org_aliases;
DROP TABLE org_aliases;
ALTER TABLE org_aliases_v6 RENAME TO org_aliases;

-- Curated OpenRouter slug -> Hub repository, for open-weight models whose listing entry has no
-- hugging_face_id (bundled file openrouter_model_repos.csv; replaced as a whole by `atomscope init`).
CREATE TABLE openrouter_model_repos (
    slug          VARCHAR PRIMARY KEY,   -- base slug, without a ':variant' suffix
    model_id      VARCHAR NOT NULL,      -- Hub repository id
    reason        VARCHAR NOT NULL,      -- why the mapping holds (the evidence)
    source_line   INTEGER NOT NULL
);

-- The public models listing (GET /api/v1/models), one row per listing day and entry. A same-day rerun
-- inserts nothing. hub_repo/open_weights are resolved at collection: hugging_face_id when the listing
-- gives one, else the curated mapping, else NULL (closed weights).
CREATE TABLE openrouter_models (
    listing_date     DATE NOT NULL,
    model_slug       VARCHAR NOT NULL,   -- `id` as listed, e.g. 'qwen/qwen3-235b-a22b:free'
    base_slug        VARCHAR NOT NULL,   -- id without its ':variant' suffix, lowercased
    author           VARCHAR NOT NULL,   -- part of the id before '/', e.g. 'qwen'
    canonical_slug   VARCHAR,
    name             VARCHAR,
    hugging_face_id  VARCHAR,            -- as listed; NULL when absent or empty
    hub_repo         VARCHAR,            -- Hub repository resolved at collection (NULL: closed weights)
    hub_repo_source  VARCHAR CHECK (hub_repo_source IN ('listing', 'curated')),
    org_key          VARCHAR,            -- author resolved through the registry at collection (NULL: unknown)
    open_weights     BOOLEAN NOT NULL,
    created          TIMESTAMP,          -- `created` (unix seconds, UTC)
    context_length   BIGINT,
    collected_at     TIMESTAMP NOT NULL,
    endpoint         VARCHAR NOT NULL,
    run_id           BIGINT NOT NULL,
    PRIMARY KEY (listing_date, model_slug)
);

-- Token usage per period and model, imported from a file (the product ships none). One row per
-- (period start, slug as written, provider); `:free` and other variants are kept as written and
-- counted as one model (base_slug) by the metric. A rerun of the same file inserts nothing.
CREATE TABLE openrouter_usage (
    period_date       DATE NOT NULL,     -- `date`: the day, or the first day of the week, it covers
    model_slug        VARCHAR NOT NULL,  -- `model` as written, lowercased
    base_slug         VARCHAR NOT NULL,  -- without its ':variant' suffix
    provider          VARCHAR NOT NULL,  -- provider/endpoint column when the file has one, else ''
    tokens            BIGINT NOT NULL,   -- `tokens`, or prompt_tokens + completion_tokens
    prompt_tokens     BIGINT,
    completion_tokens BIGINT,
    source_file       VARCHAR NOT NULL,  -- file name it came from
    source_line       INTEGER NOT NULL,
    imported_at       TIMESTAMP NOT NULL,
    run_id            BIGINT NOT NULL,
    PRIMARY KEY (period_date, model_slug, provider)
);
