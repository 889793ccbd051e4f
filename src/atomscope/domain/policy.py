"""ATOM's inclusion policy (`atom_tracking_policy.yml`, verbatim from Interconnects-AI/tracked-models) as code.

`TrackingPolicy.classify(model_id, pipeline_tag, downloads, tags)` returns a `Decision`: `primary`,
`extra` or `rejected`, with the rule that decided. The rules apply in this order:

1. `reject_pipeline_tags` — a rejected task (speech, embeddings, classifiers, ...).
2. `reject_name_patterns` (global), then the organization's own `reject_name_patterns`, matched on the
   repository name (the part after `org/`) with an official precision suffix (`-BF16`, `-FP8`, ...,
   `official_precision_suffixes`) removed first, since those are first-party releases of a model.
3. `reject_format_patterns` — matched on the name and on the Hub tags (GGUF, MLX, ONNX, OpenVINO builds).
4. Pipeline tag: `primary_allowed_pipeline_tags` pass; `conditional_allowed_pipeline_tags` (and a missing or
   other tag) pass only when an organization family pattern matches.
5. Organization `extra_family_patterns` → extra; `primary_family_patterns` → primary (families ATOM
   pre-approves as primary before they have downloads).
6. Otherwise primary when 30-day downloads ≥ `primary_min_downloads`, else extra.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from atomscope.config import data_dir
from atomscope.domain.errors import DataValidationError
from atomscope.domain.safeparse import load_yaml

POLICY_FILE = "atom_tracking_policy.yml"


@dataclass(frozen=True)
class Decision:
    list: str  # 'primary', 'extra' or 'rejected'
    rule: str  # which rule decided, e.g. "global reject_name_patterns: (?i)(gguf|mlx|...)"

    @property
    def kept(self) -> bool:
        return self.list != "rejected"


@dataclass(frozen=True)
class OrgRules:
    primary_family: tuple[re.Pattern, ...] = ()
    extra_family: tuple[re.Pattern, ...] = ()
    reject_name: tuple[re.Pattern, ...] = ()


@dataclass(frozen=True)
class TrackingPolicy:
    primary_tags: frozenset[str]
    conditional_tags: frozenset[str]
    reject_tags: frozenset[str]
    reject_name: tuple[re.Pattern, ...]
    reject_format: tuple[re.Pattern, ...]
    precision_suffixes: tuple[str, ...]
    primary_min_downloads: int
    orgs: dict[str, OrgRules] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path | None = None) -> TrackingPolicy:
        path = Path(path) if path else data_dir() / POLICY_FILE
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise DataValidationError(str(path), None, f"cannot read policy: {exc}") from exc
        return cls.from_text(text, path)

    @classmethod
    def from_text(cls, text: str, path: str | Path) -> TrackingPolicy:
        path = Path(path)
        doc = load_yaml(text, str(path))  # an upstream file: bounded (domain/safeparse.py)
        try:
            g = doc["global"]
            orgs = {
                org: OrgRules(
                    primary_family=_compile(path, rules.get("primary_family_patterns", [])),
                    extra_family=_compile(path, rules.get("extra_family_patterns", [])),
                    reject_name=_compile(path, rules.get("reject_name_patterns", [])),
                )
                for org, rules in (doc.get("orgs") or {}).items()
            }
            return cls(
                primary_tags=frozenset(g["primary_allowed_pipeline_tags"]),
                conditional_tags=frozenset(g.get("conditional_allowed_pipeline_tags", [])),
                reject_tags=frozenset(g["reject_pipeline_tags"]),
                reject_name=_compile(path, g["reject_name_patterns"]),
                reject_format=_compile(path, g.get("reject_format_patterns", [])),
                precision_suffixes=tuple(g.get("official_precision_suffixes", [])),
                primary_min_downloads=int(g["primary_min_downloads"]),
                orgs=orgs,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise DataValidationError(str(path), None, f"policy is missing or mistypes {exc}") from exc

    def classify(
        self, model_id: str, pipeline_tag: str | None, downloads: int | None, tags: list[str] | None = None
    ) -> Decision:
        org, _, name = model_id.partition("/")
        rules = self.orgs.get(org, OrgRules())
        if pipeline_tag in self.reject_tags:
            return Decision("rejected", f"reject_pipeline_tags: {pipeline_tag}")
        bare = self._strip_precision(name)
        for scope, patterns in (("global", self.reject_name), (org, rules.reject_name)):
            for pattern in patterns:
                if pattern.search(bare):
                    return Decision("rejected", f"{scope} reject_name_patterns: {pattern.pattern}")
        for pattern in self.reject_format:
            if pattern.search(name) or any(pattern.search(t) for t in tags or ()):
                return Decision("rejected", f"reject_format_patterns: {pattern.pattern}")
        family = _first_match(rules.extra_family, bare) or _first_match(rules.primary_family, bare)
        if pipeline_tag not in self.primary_tags and family is None:
            kind = "conditional" if pipeline_tag in self.conditional_tags else "not allowed"
            return Decision("rejected", f"pipeline_tag {pipeline_tag or 'missing'} ({kind}) without a family match")
        if (pattern := _first_match(rules.extra_family, bare)) is not None:
            return Decision("extra", f"{org} extra_family_patterns: {pattern.pattern}")
        if (pattern := _first_match(rules.primary_family, bare)) is not None:
            return Decision("primary", f"{org} primary_family_patterns: {pattern.pattern}")
        if downloads is not None and downloads >= self.primary_min_downloads:
            return Decision("primary", f"primary_min_downloads: {downloads} >= {self.primary_min_downloads}")
        return Decision("extra", f"below primary_min_downloads ({downloads} < {self.primary_min_downloads})")

    def _strip_precision(self, name: str) -> str:
        for suffix in self.precision_suffixes:
            if name.upper().endswith(("-" + suffix.upper(), "_" + suffix.upper())):
                return name[: -len(suffix) - 1]
        return name


def _compile(path: Path, patterns: list[str]) -> tuple[re.Pattern, ...]:
    compiled = []
    for pattern in patterns:
        try:
            compiled.append(re.compile(pattern))
        except re.error as exc:
            raise DataValidationError(str(path), None, f"bad regular expression {pattern!r}: {exc}") from exc
    return tuple(compiled)


def _first_match(patterns: tuple[re.Pattern, ...], name: str) -> re.Pattern | None:
    return next((p for p in patterns if p.search(name)), None)
