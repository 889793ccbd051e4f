"""Model size facts in ATOM's resolution order, and ATOM's size buckets.

Order (as Interconnects-AI/tracked-models `metadata/model_sizes.py`): the curated
`atom_model_parameters.csv` first, then the Hub's safetensors total, then the model name.
Name parsing reads `72B`, `0.5B`, `135M`, `1T`, `A22B` (active parameters of an MoE, as in
`Qwen3-235B-A22B`) and `8x7B` (an MoE of 8 experts of 7B: total taken as 8×7 = 56B, an upper bound
since experts share attention weights — Mixtral-8x7B's official total is 46.7B; the curated table
wins where it has the model).

Size buckets use ATOM's edges on total parameters, in billions: `<1B` (< 1), `1-5B` (1 to < 5),
`7-9B` (5 to < 10; ATOM's label, it also holds 5–6B models), `10-50B`, `50-100B`, `100-250B`,
`250B+` (≥ 250). Unknown size → no bucket.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

BUCKET_EDGES: tuple[tuple[float, str], ...] = (
    (1, "<1B"),
    (5, "1-5B"),
    (10, "7-9B"),
    (50, "10-50B"),
    (100, "50-100B"),
    (250, "100-250B"),
)
BUCKET_ORDER: tuple[str, ...] = ("<1B", "1-5B", "7-9B", "10-50B", "50-100B", "100-250B", "250B+")

_SEP = r"(?:^|(?<=[-_.]))"
_END = r"(?=$|[-_.])"
_UNIT = {"m": 1e-3, "b": 1.0, "t": 1e3}
_MOE = re.compile(_SEP + r"(\d+)x(\d+(?:\.\d+)?)([bB])" + _END)
_ACTIVE = re.compile(_SEP + r"[aA](\d+(?:\.\d+)?)([bBmM])" + _END)
_TOTAL = re.compile(_SEP + r"(\d+(?:\.\d+)?)([bBmMtT])" + _END)


@dataclass(frozen=True)
class ParsedSize:
    total_b: float | None
    active_b: float | None
    is_moe: bool | None


def size_bucket(total_b: float | None) -> str | None:
    if total_b is None or total_b <= 0:
        return None
    for edge, label in BUCKET_EDGES:
        if total_b < edge:
            return label
    return "250B+"


def parse_size_from_name(model_id: str) -> ParsedSize:
    """Parameters advertised in a model name, e.g. 'Qwen/Qwen3-235B-A22B' -> 235, 22, MoE."""
    name = model_id.rsplit("/", 1)[-1]
    moe = _MOE.search(name)
    if moe:
        return ParsedSize(int(moe.group(1)) * float(moe.group(2)), None, True)
    active = _ACTIVE.search(name)
    active_b = float(active.group(1)) * _UNIT[active.group(2).lower()] if active else None
    for match in _TOTAL.finditer(name):
        if active and match.start() == active.start() + 1:
            continue
        total = float(match.group(1)) * _UNIT[match.group(2).lower()]
        if total > 0:
            return ParsedSize(total, active_b, True if active_b is not None else None)
    return ParsedSize(None, None, None)
