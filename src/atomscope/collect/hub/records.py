"""Turn Hub JSON items into warehouse rows, or into a skip reason.

Every item is parsed with huggingface_hub's own `ModelInfo`, then checked field by field: `ModelInfo` does
not check types, so a drifted `"downloads": "1234"` would otherwise reach the warehouse. An item that
fails any check is skipped whole and counted by reason (`missing:<field>`, `wrong_type:<field>`,
`unexpected_id`, `malformed_item`); nothing of it is written.

Lineage comes from the Hub's `base_model:<relation>:<parent id>` tags (the Hub also writes a bare
`base_model:<parent id>` tag beside each, which carries no relation and is not an edge). A bad lineage tag
drops that edge only (`empty_base_model`, `unknown_relation:<r>`, `bad_parent_id`, `self_reference`); the
model itself is still stored.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from huggingface_hub.hf_api import ModelInfo
from huggingface_hub.utils import HFValidationError, parse_datetime, validate_repo_id

RELATIONS = frozenset({"finetune", "adapter", "quantized", "merge"})

#: Fields listed per tracked organization (the snapshot and discovery).
SNAPSHOT_EXPAND = [
    "createdAt", "lastModified", "downloads", "downloadsAllTime", "likes", "pipeline_tag", "library_name",
    "gated", "safetensors", "tags", "private",
]  # fmt: skip
#: Fields of the new-model crawl (derivatives).
CRAWL_EXPAND = ["author", "createdAt", "downloads", "likes", "pipeline_tag", "tags"]


class Skip(Exception):
    """An item (or a lineage tag) that is not stored; `reason` is its summary key."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


EDGE_SKIP = "edge "  # prefix of a skipped lineage tag's reason: a row may hold several, its snapshot still counts


class SkipCounter(Counter):
    """Skipped rows by reason, and skipped lineage tags (reasons `edge ...`), for the run summary."""

    def add(self, reason: str, n: int = 1) -> None:
        self[reason] += n

    def rows(self) -> dict[str, int]:
        """Rows left out, by reason (each row once)."""
        return {r: n for r, n in self.items() if not r.startswith(EDGE_SKIP)}

    def edges(self) -> dict[str, int]:
        """Lineage tags left out, by reason (`edge ` dropped)."""
        return {r.removeprefix(EDGE_SKIP): n for r, n in self.items() if r.startswith(EDGE_SKIP)}


def valid_model_id(value: Any) -> bool:
    """A Hub model id as huggingface_hub's validator accepts it: `owner/name`, or a legacy namespace-less
    canonical id such as `gpt2` (old repos and old `base_model:` tags still use them). URLs, spaces,
    several slashes, empty or non-string ids are not."""
    if not isinstance(value, str) or value.count("/") > 1:
        return False
    try:
        validate_repo_id(value)
    except HFValidationError:
        return False
    return True


def model_info(item: Any) -> ModelInfo:
    """`ModelInfo(**item)` as `list_models` builds it, or `Skip`."""
    if not isinstance(item, dict):
        raise Skip("malformed_item")
    if "id" not in item:
        raise Skip("missing:id")
    if not valid_model_id(item["id"]):
        raise Skip("unexpected_id")
    item = dict(item)
    item.setdefault("siblings", None)
    if isinstance(item.get("safetensors"), dict):
        item["safetensors"] = _safetensors_with_total(item["safetensors"])
    try:
        return ModelInfo(**item)
    except (KeyError, TypeError, ValueError, AttributeError):
        raise Skip(f"malformed_item:{_culprit(item)}") from None


def _safetensors_with_total(st: dict) -> dict | None:
    """The Hub sometimes sends `safetensors` without `total` (huggingface_hub's ModelInfo then fails with a
    KeyError and the whole model would be lost): the total is the sum of the dtype counts in `parameters`
    when they are whole numbers, else the parameter count is left unknown (None)."""
    if "total" in st and "parameters" in st:
        return st
    params = st.get("parameters")
    counts = list(params.values()) if isinstance(params, dict) else []
    if "total" in st:
        return {**st, "parameters": params if isinstance(params, dict) else {}}
    if counts and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in counts):
        return {**st, "total": sum(counts)}
    return None


def _culprit(item: dict) -> str:
    """Which field made ModelInfo fail (best effort, for the skip reason)."""
    for key in ("safetensors", "createdAt", "lastModified", "cardData", "siblings", "inferenceProviderMapping"):
        value = item.get(key)
        if key == "safetensors" and value is not None and not (isinstance(value, dict) and "total" in value):
            return key
        if key in ("createdAt", "lastModified") and value:
            try:
                parse_datetime(value)
            except (AttributeError, TypeError, ValueError):
                return key
    return "unknown"


def _count(info: ModelInfo, attr: str, name: str, *, required: bool) -> int | None:
    value = getattr(info, attr)
    if value is None:
        if required:
            raise Skip(f"missing:{name}")
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise Skip(f"wrong_type:{name}")
    return value


def _text(info: ModelInfo, attr: str, name: str) -> str | None:
    value = getattr(info, attr)
    if value is not None and not isinstance(value, str):
        raise Skip(f"wrong_type:{name}")
    return value


def _time(info: ModelInfo, attr: str, name: str, *, required: bool) -> datetime | None:
    value = getattr(info, attr)
    if value is None:
        if required:
            raise Skip(f"missing:{name}")
        return None
    if not isinstance(value, datetime):
        raise Skip(f"wrong_type:{name}")
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def _tags(info: ModelInfo) -> list[str]:
    tags = info.tags
    if tags is None:
        raise Skip("missing:tags")
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise Skip("wrong_type:tags")
    return tags


def _gated(info: ModelInfo) -> str:
    value = info.gated
    if value is None:
        raise Skip("missing:gated")
    if value is False:
        return "false"
    if value in ("auto", "manual"):
        return value
    raise Skip("wrong_type:gated")


def _safetensors_total(info: ModelInfo) -> int | None:
    st = info.safetensors
    if st is None:
        return None
    total = getattr(st, "total", None)
    if isinstance(total, bool) or not isinstance(total, int):
        raise Skip("wrong_type:safetensors")
    return total


@dataclass(frozen=True)
class SnapshotRow:
    model_id: str
    downloads_30d: int
    downloads_all_time: int
    likes: int
    created_at: datetime
    last_modified: datetime | None
    pipeline_tag: str | None
    library_name: str | None
    gated: str
    safetensors_total: int | None
    tags: list[str]


def snapshot_row(info: ModelInfo) -> SnapshotRow:
    """The tracked-snapshot fields of one model, checked (or `Skip`)."""
    return SnapshotRow(
        model_id=info.id,
        downloads_30d=_count(info, "downloads", "downloads", required=True),
        downloads_all_time=_count(info, "downloads_all_time", "downloadsAllTime", required=True),
        likes=_count(info, "likes", "likes", required=True),
        created_at=_time(info, "created_at", "createdAt", required=True),
        last_modified=_time(info, "last_modified", "lastModified", required=False),
        pipeline_tag=_text(info, "pipeline_tag", "pipeline_tag"),
        library_name=_text(info, "library_name", "library_name"),
        gated=_gated(info),
        safetensors_total=_safetensors_total(info),
        tags=_tags(info),
    )


@dataclass(frozen=True)
class CrawlRow:
    model_id: str
    author: str | None
    created_at: datetime
    downloads_30d: int
    likes: int | None
    pipeline_tag: str | None
    tags: list[str]


def crawl_row(info: ModelInfo) -> CrawlRow:
    """The new-model crawl fields of one model, checked (or `Skip`)."""
    return CrawlRow(
        model_id=info.id,
        author=_text(info, "author", "author"),
        created_at=_time(info, "created_at", "createdAt", required=True),
        downloads_30d=_count(info, "downloads", "downloads", required=True),
        likes=_count(info, "likes", "likes", required=False),
        pipeline_tag=_text(info, "pipeline_tag", "pipeline_tag"),
        tags=_tags(info),
    )


def lineage(model_id: str, tags: list[str]) -> tuple[list[tuple[str, str]], list[str]]:
    """(parent id, relation) pairs from `base_model:<relation>:<id>` tags, and the reasons of bad ones."""
    edges: list[tuple[str, str]] = []
    problems: list[str] = []
    for tag in tags:
        if not tag.startswith("base_model:"):
            continue
        rest = tag[len("base_model:") :]
        if not rest.strip():
            problems.append("empty_base_model")
            continue
        if ":" not in rest:
            continue  # the bare `base_model:<id>` companion tag: no relation, not an edge
        relation, parent = rest.split(":", 1)
        if relation not in RELATIONS:
            problems.append(f"unknown_relation:{relation[:40]}")
        elif not parent.strip():
            problems.append("empty_base_model")
        elif not valid_model_id(parent):
            problems.append("bad_parent_id")
        elif parent == model_id:
            problems.append("self_reference")
        elif (parent, relation) not in edges:
            edges.append((parent, relation))
    return edges, problems
