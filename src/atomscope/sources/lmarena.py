"""LMArena (Chatbot Arena) text leaderboard history, via fboulnois/llm-leaderboard-csv (MPL-2.0)."""

from __future__ import annotations

from atomscope.sources.csvtable import Column, TableContract

ARENA_HISTORY = TableContract(
    file_name="lmarena_text_history.csv",
    description="Every committed version of the LMArena text leaderboard, one row per model and snapshot.",
    columns=(
        Column("snapshot_date", type="date", required=True, description="Date of the leaderboard version."),
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
