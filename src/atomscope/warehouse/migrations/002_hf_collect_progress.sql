-- atomscope warehouse, schema version 2: resumable Hub collection.
-- Written by `atomscope collect hf` (src/atomscope/sources/hf/). Nothing here is history a metric reads;
-- these rows only let an interrupted run continue where it stopped.

-- Progress of the tracked snapshot: one row per (snapshot day, organization, pass), updated in the same
-- transaction as the listing page it covers. `pass` names the parts the listing served (e.g.
-- 'availability,discovery,snapshot'), so a rerun with other --only parts lists the organization again.
CREATE TABLE hf_snapshot_progress (
    snapshot_date DATE NOT NULL,
    org           VARCHAR NOT NULL,
    pass          VARCHAR NOT NULL,
    cursor        VARCHAR,               -- next-page URL while the listing is in progress, NULL otherwise
    pages         INTEGER NOT NULL,
    items         INTEGER NOT NULL,      -- listing items seen so far (all models of the org)
    done          BOOLEAN NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    run_id        BIGINT NOT NULL,
    PRIMARY KEY (snapshot_date, org, pass)
);

-- Availability probes (`model_info` of a tracked model missing from its org's listing), one per model and
-- snapshot day: a same-day rerun does not probe again. availability_events keeps only the changes.
CREATE TABLE hf_probes (
    snapshot_date DATE NOT NULL,
    model_id      VARCHAR NOT NULL,
    status        VARCHAR NOT NULL,      -- 'available', 'gated', 'removed', 'renamed', 'error'
    new_model_id  VARCHAR,
    http_status   INTEGER,
    probed_at     TIMESTAMP NOT NULL,
    run_id        BIGINT NOT NULL,
    PRIMARY KEY (snapshot_date, model_id)
);

-- The lower createdAt bound of the new-model crawl in progress (the watermark, or --since on a first run),
-- kept so that a resumed run stops where the interrupted one would have.
ALTER TABLE crawl_state ADD COLUMN run_floor TIMESTAMP;
