"""JSON shapes of the Hub's ``/api/models`` answers, rendered from SYNTHETIC models.

Field names and shapes follow what ``huggingface_hub`` 2.4.0 ``ModelInfo.__init__`` parses (``createdAt``,
``lastModified``, ``downloadsAllTime``, ``library_name``, ``pipeline_tag``, ``cardData``, ``safetensors`` =
``{"parameters": {dtype: n}, "total": n}``, ``baseModels`` = ``{"relation": r, "models": [{"id": ...}]}``).
All numbers come from :mod:`atomscope.testing.synthetic_hub` and are SYNTHETIC.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from atomscope.testing.synthetic_hub import SyntheticHub, SyntheticModel

#: Valid ``expand`` values (``ExpandModelProperty_T`` of huggingface_hub 2.4.0); others answer 400.
EXPANDABLE: tuple[str, ...] = (
    "author", "baseModels", "cardData", "childrenModelCount", "config", "createdAt", "disabled", "downloads",
    "downloadsAllTime", "evalResults", "gated", "gguf", "inference", "inferenceProviderMapping",
    "lastModified", "library_name", "likes", "mask_token", "model-index", "pipeline_tag", "private",
    "resourceGroup", "safetensors", "sha", "siblings", "spaces", "tags", "transformersInfo", "trendingScore",
    "usedStorage", "widgetData",
)  # fmt: skip

#: Fields of a list item without ``expand`` (the Hub's compact listing).
LIST_DEFAULT = (
    "likes", "trendingScore", "private", "downloads", "tags", "pipeline_tag", "library_name", "createdAt",
)  # fmt: skip
#: Extra fields added to list items by ``full=true``.
LIST_FULL = ("author", "sha", "lastModified", "gated", "disabled", "siblings")
#: Fields of ``/api/models/{id}`` without ``expand`` (``downloadsAllTime`` needs ``expand``, as on the Hub).
INFO_DEFAULT = (
    "author", "sha", "lastModified", "private", "disabled", "gated", "pipeline_tag", "tags", "downloads",
    "library_name", "likes", "cardData", "config", "siblings", "spaces", "createdAt", "safetensors",
    "usedStorage",
)  # fmt: skip


def iso(ts: datetime) -> str:
    """The Hub's timestamp format, e.g. ``2024-04-18T12:34:56.000Z``."""
    return ts.strftime("%Y-%m-%dT%H:%M:%S.000Z")


_MISSING = object()


def field_value(hub: SyntheticHub, model: SyntheticModel, name: str, on: date) -> Any:
    """Value of one Hub field for ``model`` on day ``on``; ``_MISSING`` when the Hub would omit it."""
    getter = _FIELDS.get(name)
    return getter(hub, model, on) if getter is not None else _MISSING


def _safetensors(m: SyntheticModel) -> Any:
    if m.params_total is None or m.library_name in ("gguf", "peft"):
        return _MISSING
    return {"parameters": {m.params_dtype: m.params_total}, "total": m.params_total}


def _base_models(m: SyntheticModel) -> Any:
    if not m.parents or m.relation is None:
        return _MISSING
    return {"relation": m.relation, "models": [{"id": p} for p in m.parents]}


def _config(m: SyntheticModel) -> Any:
    if m.library_name not in ("transformers", "sentence-transformers"):
        return _MISSING
    return {"architectures": ["SynthForCausalLM"], "model_type": "synth"}


_Getter = Callable[[SyntheticHub, SyntheticModel, date], Any]
_FIELDS: dict[str, _Getter] = {
    "author": lambda h, m, d: m.author if m.author is not None else _MISSING,
    "createdAt": lambda h, m, d: iso(m.created_at),
    "lastModified": lambda h, m, d: iso(m.last_modified),
    "downloads": lambda h, m, d: m.downloads_30d(d),
    "downloadsAllTime": lambda h, m, d: m.downloads_all_time(d),
    "likes": lambda h, m, d: m.likes,
    "trendingScore": lambda h, m, d: m.trending_score(d),
    "pipeline_tag": lambda h, m, d: m.pipeline_tag if m.pipeline_tag is not None else _MISSING,
    "library_name": lambda h, m, d: m.library_name if m.library_name is not None else _MISSING,
    "gated": lambda h, m, d: m.gated,
    "private": lambda h, m, d: m.private,
    "disabled": lambda h, m, d: False,
    "sha": lambda h, m, d: m.sha,
    "tags": lambda h, m, d: list(m.tags),
    "cardData": lambda h, m, d: dict(m.card_data) if m.card_data is not None else _MISSING,
    "safetensors": lambda h, m, d: _safetensors(m),
    "gguf": lambda h, m, d: (
        {"total": m.params_total, "architecture": "synth"} if m.library_name == "gguf" else _MISSING
    ),
    "baseModels": lambda h, m, d: _base_models(m),
    "childrenModelCount": lambda h, m, d: h.children_count(m.id),
    "siblings": lambda h, m, d: [{"rfilename": f} for f in m.siblings],
    "spaces": lambda h, m, d: [],
    "usedStorage": lambda h, m, d: (m.params_total or 0) * 2,
    "config": lambda h, m, d: _config(m),
}


def render(hub: SyntheticHub, model: SyntheticModel, fields: tuple[str, ...] | list[str], on: date) -> dict:
    """A Hub JSON object: ``_id``, ``id``, ``modelId`` then ``fields`` (those the Hub would omit left out)."""
    out: dict[str, Any] = {"_id": model.object_id, "id": model.id, "modelId": model.id}
    for name in fields:
        value = field_value(hub, model, name, on)
        if value is not _MISSING:
            out[name] = value
    return out


def list_fields(expand: list[str], *, full: bool, card_data: bool, config: bool) -> list[str]:
    """Fields of a list item for the given query flags (``expand`` replaces the defaults, as on the Hub)."""
    if expand:
        return list(dict.fromkeys(expand))
    fields = list(LIST_DEFAULT)
    if full:
        fields += LIST_FULL
    if card_data:
        fields.append("cardData")
    if config:
        fields.append("config")
    return fields


def info_fields(expand: list[str]) -> list[str]:
    """Fields of ``/api/models/{id}``: ``expand`` if given, else the Hub's default detail set."""
    return list(dict.fromkeys(expand)) if expand else list(INFO_DEFAULT)


def sort_value(model: SyntheticModel, sort: str, on: date) -> Any:
    """Value a listing sorts on (true numbers, never drifted ones)."""
    if sort in ("createdAt", "created_at"):
        return iso(model.created_at)
    if sort in ("lastModified", "last_modified"):
        return iso(model.last_modified)
    if sort == "downloads":
        return model.downloads_30d(on)
    if sort == "downloadsAllTime":
        return model.downloads_all_time(on)
    if sort == "likes":
        return model.likes
    if sort in ("trendingScore", "trending_score"):
        return model.trending_score(on)
    if sort in ("id", "modelId"):
        return model.id
    raise KeyError(sort)


SORTS = frozenset(
    {"createdAt", "created_at", "lastModified", "last_modified", "downloads", "downloadsAllTime", "likes",
     "trendingScore", "trending_score", "id", "modelId"}
)  # fmt: skip
