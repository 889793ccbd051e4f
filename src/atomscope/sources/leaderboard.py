"""Hugging Face Open LLM Leaderboard v2, final snapshot (via fboulnois/llm-leaderboard-csv, MPL-2.0)."""

from __future__ import annotations

from atomscope.sources.csvtable import Column, TableContract

_SCORES = ("ifeval", "bbh", "math", "gpqa", "musr", "mmlu_pro")

OPEN_LLM_LEADERBOARD = TableContract(
    file_name="open_llm_leaderboard_v2.csv",
    description="Evaluated Hub models with type, base model, license, parameters and six benchmark scores.",
    columns=(
        Column("model_name", required=True, description="Hub id."),
        Column("model_type", description="pretrained, fine-tuned, chat, merge, ..."),
        Column("model_architecture", description="Architecture class."),
        Column("model_precision", description="Evaluated precision."),
        Column("model_average_score", type="float", rename="average_score", description="Mean of the six."),
        Column("features_is_merged", type="bool", rename="is_merged", description="Merge flag."),
        Column("features_is_moe", type="bool", rename="is_moe", description="MoE flag."),
        Column("features_is_official_provider", type="bool", rename="is_official_provider", description="Official."),
        Column("metadata_upload_date", type="date", rename="upload_date", description="Upload date."),
        Column("metadata_base_model", rename="base_model", description="Base model id."),
        Column("metadata_hub_license", rename="hub_license", description="License tag on the Hub."),
        Column("metadata_hub_hearts", type="int", rename="hub_hearts", description="Likes."),
        Column("metadata_params_billions", type="float", rename="params_billions", description="Parameters, B."),
        *(
            Column(f"evaluations_{s}_normalized_score", type="float", rename=s, description=f"{s} normalised.")
            for s in _SCORES
        ),
    ),
    key=("model_name", "model_precision"),
)
