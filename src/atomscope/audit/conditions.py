"""`--fail-on` conditions: tests over each found model; any match makes the audit exit 1.

A condition is `field=value`, or `openness<N` (openness below N percent); several can be given in one
option separated by commas (`region=china,license=non-commercial`) or by repeating the option.

Fields (values compare case-insensitively; `-` and `_` are the same, so `non-commercial` = `non_commercial`):

* `region`  - the model's own region, or the region of any of its roots (a Qwen fine-tune is `china`);
              an id matched by its namespace only (`match` namespace) has its namespace's region
* `country` - ISO 3166-1 alpha-2 of the organization
* `org`     - organization name or Hub namespace
* `status`  - availability: available, gated, removed, renamed, disabled, seen (or none when never observed)
* `license` - license class (permissive, open_weight_restricted, non_commercial, proprietary, unknown)
              or the raw license string
* `open`    - true / false: the license is an open license (domain/licenses.py `is_open_license`);
              `open=false` also matches a known model whose license is not known (a repackaging not in the
              warehouse is judged by its model's license)
* `kind`    - tracked, derivative, hub, unknown (the warehouse does not know the id)
* `match`   - how the publisher was found: tracked, derivative, namespace, unknown (`match=unknown`: nobody
              knows whose it is)
* `task`    - chat, base, code, embedding, vision-language, speech (domain/tasks.py)
* `openness<N` - the OSAI openness percentage is known and below N (a model with no OSAI entry never matches;
              gate those with `match=unknown` or `open=false`)
* `class`   - smallest hardware class at q4 (8gb ... 640gb, cluster)
"""

from __future__ import annotations

from dataclasses import dataclass

from atomscope.audit.enrich import ModelInfo
from atomscope.domain.errors import AtomscopeError


class AuditConditionError(AtomscopeError):
    """A `--fail-on` condition that cannot be read."""


def _norm(value: str | None) -> str:
    return (value or "").strip().lower().replace("-", "_")


def _values(info: ModelInfo, field: str) -> list[str | None]:
    if field == "region":
        return [info.region, *info.root_regions]
    if field == "country":
        return [info.country]
    if field == "org":
        return [info.organization, info.model_id.split("/")[0] if "/" in info.model_id else None]
    if field == "status":
        return [info.status or ("none" if info.known else None)]
    if field == "license":
        return [info.license_class, info.license]
    if field == "open":
        return ["true" if info.open_license else "false"] if info.known or info.license else []
    if field == "kind":
        return [info.kind]
    if field == "class":
        return [info.q4_class]
    if field == "match":
        return [info.match]
    if field == "task":
        return [info.task]
    raise AssertionError(field)


FIELDS = ("region", "country", "org", "status", "license", "open", "kind", "match", "task", "class", "openness<")


@dataclass(frozen=True)
class Condition:
    field: str
    value: str

    def matches(self, info: ModelInfo) -> bool:
        if self.field == "openness<":
            return info.openness_pct is not None and info.openness_pct < float(self.value)
        return any(v is not None and _norm(v) == _norm(self.value) for v in _values(info, self.field))

    def __str__(self) -> str:
        return f"{self.field}{self.value}" if self.field.endswith("<") else f"{self.field}={self.value}"


def parse_condition(text: str) -> Condition:
    field, sep, value = text.partition("=")
    if "<" in field:
        field, _, value = text.partition("<")
        field, sep = field + "<", "<"
    field = field.strip().lower()
    if not sep or not value.strip():
        raise AuditConditionError(f"--fail-on takes field=value or openness<N, got {text!r}")
    if field not in FIELDS:
        shown = ", ".join(f.rstrip("<") for f in FIELDS if not f.endswith("<"))
        raise AuditConditionError(f"--fail-on field {field!r} is not one of: {shown}, openness<N")
    if field == "openness<":
        try:
            number = float(value)
        except ValueError:
            raise AuditConditionError(f"--fail-on openness<N takes a number of percent, got {text!r}") from None
        if not 0 <= number <= 100:
            raise AuditConditionError(f"--fail-on openness<N takes 0..100, got {text!r}")
    return Condition(field, value.strip())


def parse_conditions(options: list[str]) -> list[Condition]:
    """Every condition of the repeated `--fail-on` options, each possibly a comma-separated list."""
    return [parse_condition(part) for option in options for part in option.split(",") if part.strip()]


def offending(infos: list[ModelInfo], conditions: list[Condition]) -> list[tuple[ModelInfo, list[Condition]]]:
    """The models that match at least one condition, with the conditions they match."""
    hits = []
    for info in infos:
        matched = [c for c in conditions if c.matches(info)]
        if matched:
            hits.append((info, matched))
    return hits
