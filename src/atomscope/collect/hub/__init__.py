"""The Hugging Face Hub collector (`atomscope collect hf`, `atomscope import hub-dump`).

Modules, one concern each:

- `client`: huggingface_hub 2.4.0 access with the one retry/rate-limit policy, request counter and cap.
- `records`: Hub JSON items -> checked rows or a skip reason; `base_model:` lineage tags -> edges.
- `store`: warehouse reads and writes (append-only observations, progress records).
- `snapshot`: per-organization listings -> tracked snapshot, availability watch, discovery candidates.
- `crawl`: the incremental newest-models crawl -> hub_models and derivative_edges.
- `discovery`: classification of untracked first-party models, `catalog candidates --accept`.
- `dump`: imports of Hub metadata dumps as history.
- `progress`: the Rich progress display and run summary.
- `collect`: the run orchestration behind the CLI.
"""
