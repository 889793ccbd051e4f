"""Scan, keep the mentions worth reporting, enrich them: the whole audit as one call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from atomscope.audit.enrich import ModelInfo, enrich
from atomscope.audit.scanner import DEFAULT_MAX_BYTES, Found, ScanResult, scan


@dataclass
class AuditReport:
    paths: list[str]
    scan: ScanResult
    found: list[Found]  # mentions reported: explicit ones, and implicit ones the warehouse knows
    models: list[ModelInfo]  # one per distinct id (canonical spelling), in id order
    locations: dict[str, list[Found]]  # canonical id -> its mentions
    generated_at: str

    @property
    def unknown(self) -> list[ModelInfo]:
        return [m for m in self.models if not m.known]


def audit(paths: list[str | Path], backend: Any, *, max_bytes: int = DEFAULT_MAX_BYTES, progress=None) -> AuditReport:
    result = scan(paths, max_bytes=max_bytes, progress=progress)
    infos = enrich(backend, [f.model_id for f in result.found]) if result.found else {}
    found = [f for f in result.found if f.explicit or infos[f.model_id].known]
    models: dict[str, ModelInfo] = {}
    locations: dict[str, list[Found]] = {}
    for mention in found:
        info = infos[mention.model_id]
        key = info.model_id if info.known else info.model_id.lower()
        models.setdefault(key, info)
        locations.setdefault(key, []).append(mention)
    ordered = sorted(models, key=str.lower)
    return AuditReport(
        paths=[str(p) for p in paths],
        scan=result,
        found=found,
        models=[models[k] for k in ordered],
        locations={k: sorted(locations[k], key=lambda f: (f.path, f.line)) for k in ordered},
        generated_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )


def location_key(info: ModelInfo) -> str:
    return info.model_id if info.known else info.model_id.lower()
