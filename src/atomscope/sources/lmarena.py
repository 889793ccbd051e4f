"""LMArena (Chatbot Arena) text leaderboard history, via fboulnois/llm-leaderboard-csv (MPL-2.0)."""

from __future__ import annotations

from atomscope.sources.csvtable import Column, TableContract

ARENA_HISTORY = TableContract(
    file_name="lmarena_text_history.csv",
    description=(
        "Every version of the LMArena text leaderboard, one row per model and snapshot, each dated by its own "
        "version (the one its upstream commit names, else the commit's UTC date), as `sources update` dates it. "
        "Rebuilt by `python -m atomscope.collect.upstream.lmarena_build`."
    ),
    columns=(
        Column("snapshot_date", type="date", required=True, description="The leaderboard version's own date."),
        Column("rank", type="int", description="Published rank (ties share a rank)."),
        Column("model", required=True, description="Model name as LMArena spells it."),
        Column("arena_score", type="float", required=True, description="Elo-style arena score."),
        Column("ci_95", description="95% confidence interval as published, e.g. +3/-3."),
        Column("votes", type="int", description="Number of votes."),
        Column("organization", description="Organization string as published (see organization_aliases)."),
        Column("license", description="License string as published (messy; see domain/licenses.py)."),
    ),
    key=("snapshot_date", "model"),
    drop_duplicates_ignoring=("rank",),
)

OPEN_WEIGHT_CORRECTIONS = TableContract(
    file_name="arena_open_weight_corrections.csv",
    description=(
        "atomscope's curation: LMArena entries whose published license label misstates whether the weights "
        "were released (e.g. an experimental variant served only on the arena). The correction replaces the "
        "label's open/closed reading on every snapshot of the model. Every arena_model must appear in "
        "lmarena_text_history.csv."
    ),
    columns=(
        Column("arena_model", required=True, description="Model name exactly as LMArena spells it."),
        Column("open_weights", type="bool", required=True, description="Were the weights published (true/false)."),
        Column("reason", required=True, description="What is known about the release, in a sentence."),
        Column("source", required=True, description="Where that can be checked."),
    ),
    key=("arena_model",),
    extra_columns_allowed=False,
)

MODEL_REPOS = TableContract(
    file_name="arena_model_repos.csv",
    description=(
        "atomscope's curation: the tracked Hugging Face repository holding the weights of an LMArena entry, for "
        "the open-weight models that reached an open top 10 in the bundled history, mapped only where the "
        "correspondence is clear. Every arena_model must appear in lmarena_text_history.csv, every model_id in "
        "atom_tracked_models.csv, and no mapped model may be corrected to closed. Left unmapped: Athene-70B / "
        "Athene-70b / Athene-v2-Chat-72B (Nexusflow) and Gemma-2-9b-it-SimPO (princeton-nlp), Yi-1.5-34B-Chat "
        "(01-ai) - their repositories are not tracked; Minimax-M1 - the board does not say which of MiniMax-M1-40k "
        "or -80k it serves."
    ),
    columns=(
        Column("arena_model", required=True, description="Model name exactly as LMArena spells it."),
        Column("model_id", required=True, pattern=r"[^/\s]+/[^/\s]+", description="Tracked Hub repository id."),
        Column("reason", required=True, description="Why this repository is that arena entry."),
        Column("source", required=True, description="Where that can be checked."),
    ),
    key=("arena_model",),
    extra_columns_allowed=False,
)
