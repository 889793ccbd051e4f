"""A seeded, SYNTHETIC Hugging Face Hub: the data behind :class:`atomscope.testing.hub.HubEmulator`.

EVERY NUMBER IN THIS MODULE IS SYNTHETIC. Download counts, likes, creation dates, parameter counts, gating,
derivative trees and third-party accounts are drawn from a seeded random generator; only the *ids* of the
tracked models (and their organisations) come from the real bundled catalog ``atom_tracked_models.csv``.
This is a test and benchmark fixture: none of its numbers may ever reach a report, a chart or the warehouse
of a real run.

State model (all of it guarded by :attr:`SyntheticHub.lock`, so tests may mutate while a server is running):

- ``today`` is the hub's date. ``advance(days=1)`` moves it forward; downloads grow consistently (the
  all-time count grows by exactly the daily downloads, the 30-day count is the last 30 daily counts) and
  models whose ``createdAt`` lies in the future become visible on their creation day.
- ``remove``, ``gate``, ``rename`` and ``make_private`` change availability the way the real Hub does.

The generator lives in :mod:`atomscope.testing._synthetic_build`; use :meth:`SyntheticHub.from_catalog`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

#: Lineage relations the Hub writes into ``base_model:<relation>:<id>`` tags.
RELATIONS: tuple[str, ...] = ("finetune", "adapter", "quantized", "merge")
#: Default hub date of a freshly generated hub (synthetic, fixed for reproducibility).
DEFAULT_TODAY = date(2026, 6, 1)

ModelKind = Literal["tracked", "first_party", "derivative", "edge_case"]
GatedMode = Literal[False, "auto", "manual"]


@dataclass
class SyntheticModel:
    """One synthetic model repository. Every number is SYNTHETIC.

    Daily downloads on the ``d``-th day after creation are ``base_rate + growth * d``; the cumulative count
    after ``age`` days is ``floor(base_rate * age + growth * age * (age - 1) / 2)``, so the all-time count
    always grows by the daily count and the 30-day count is a difference of two cumulative counts.
    """

    id: str
    author: str | None
    kind: ModelKind
    object_id: str
    sha: str
    created_at: datetime
    last_modified: datetime
    pipeline_tag: str | None
    library_name: str | None
    base_rate: float
    growth: float
    likes: int
    params_total: int | None
    params_dtype: str = "BF16"
    tags: list[str] = field(default_factory=list)
    parents: tuple[str, ...] = ()
    relation: str | None = None
    gated: GatedMode = False
    private: bool = False
    card_data: dict | None = None
    siblings: tuple[str, ...] = ("config.json", "model.safetensors")

    def age_days(self, on: date) -> int:
        """Whole days between creation and ``on`` (0 on the creation day, negative before)."""
        return (on - self.created_at.date()).days

    def _cumulative(self, age: int) -> int:
        if age <= 0:
            return 0
        return int(self.base_rate * age + self.growth * age * (age - 1) / 2)

    def downloads_all_time(self, on: date) -> int:
        """SYNTHETIC cumulative downloads as of the start of ``on`` (the Hub's ``downloadsAllTime``)."""
        return self._cumulative(self.age_days(on))

    def downloads_30d(self, on: date) -> int:
        """SYNTHETIC downloads of the 30 days before ``on`` (the Hub's ``downloads``)."""
        age = self.age_days(on)
        return self._cumulative(age) - self._cumulative(age - 30)

    def daily_downloads(self, on: date) -> int:
        """SYNTHETIC downloads counted on day ``on`` (what ``advance(days=1)`` adds to the all-time count)."""
        age = self.age_days(on)
        return self._cumulative(age + 1) - self._cumulative(age)

    def trending_score(self, on: date) -> int:
        """A SYNTHETIC trending score: last-7-day downloads in thousands."""
        age = self.age_days(on)
        return (self._cumulative(age) - self._cumulative(age - 7)) // 1000

    @property
    def namespace(self) -> str | None:
        """The part of the id before ``/`` (``None`` for legacy ids without a namespace)."""
        return self.id.split("/", 1)[0] if "/" in self.id else None


@dataclass(frozen=True)
class DerivativeEdge:
    """Ground truth: ``child`` declares ``parent`` as a base model with ``relation``."""

    child: str
    parent: str
    relation: str


Resolution = tuple[Literal["ok"], SyntheticModel] | tuple[Literal["redirect"], str] | tuple[Literal["missing"], None]


class SyntheticHub:
    """The mutable state of a SYNTHETIC hub (see the module docstring). Build with :meth:`from_catalog`."""

    def __init__(self, models: Iterable[SyntheticModel], *, today: date = DEFAULT_TODAY, seed: int = 0) -> None:
        self.lock = threading.RLock()
        self.seed = seed
        self.today = today
        self._models: dict[str, SyntheticModel] = {}
        for model in models:
            if model.id in self._models:
                raise ValueError(f"duplicate synthetic model id {model.id!r}")
            self._models[model.id] = model
        self.redirects: dict[str, str] = {}
        self.removed: dict[str, SyntheticModel] = {}
        self.inaccessible: set[str] = set()

    @classmethod
    def from_catalog(
        cls,
        seed: int = 0,
        *,
        orgs: Iterable[str] | None = None,
        max_models_per_org: int | None = None,
        today: date = DEFAULT_TODAY,
        first_party_per_org: bool = True,
        derivative_roots_per_org: int = 1,
        derivative_depth: int = 3,
        edge_cases: bool = True,
    ) -> SyntheticHub:
        """Generate a hub from the real tracked-model ids (all numbers SYNTHETIC, seeded by ``seed``).

        ``orgs`` keeps only those ``hf_org`` values (exact, case-sensitive); ``max_models_per_org`` keeps
        the first N tracked ids of each org in catalog order. Each org also gets untracked first-party
        models (one discoverable, one ``-GGUF`` quant, one ``-Guard-`` model, one ``feature-extraction``
        embedding model) and ``derivative_roots_per_org`` third-party derivative trees ``derivative_depth``
        levels deep (every relation, multi-parent merges, some with <= 5 downloads, some created in the
        future so they appear after :meth:`advance`). ``edge_cases`` adds malformed lineage (see
        :attr:`edge_case_ids`).
        """
        from atomscope.testing._synthetic_build import build_models

        models = build_models(
            seed=seed,
            orgs=None if orgs is None else list(orgs),
            max_models_per_org=max_models_per_org,
            today=today,
            first_party=first_party_per_org,
            roots_per_org=derivative_roots_per_org,
            depth=derivative_depth,
            edge_cases=edge_cases,
        )
        return cls(models, today=today, seed=seed)

    # ----------------------------------------------------------------- time
    def advance(self, days: int = 1) -> date:
        """Move the hub's date forward by ``days`` (downloads grow, future-dated models appear)."""
        if days < 0:
            raise ValueError("the synthetic hub only moves forward in time")
        with self.lock:
            self.today = self.today + timedelta(days=days)
            return self.today

    # ----------------------------------------------------------------- views
    def _visible(self, model: SyntheticModel) -> bool:
        return model.created_at.date() <= self.today

    @property
    def models(self) -> dict[str, SyntheticModel]:
        """Models that exist today (created, not removed), by current id; includes private and gated."""
        with self.lock:
            return {mid: m for mid, m in self._models.items() if self._visible(m)}

    @property
    def all_models(self) -> dict[str, SyntheticModel]:
        """Every model including those whose creation date is still in the future."""
        with self.lock:
            return dict(self._models)

    def iter_public(self, *, authorized: bool = False) -> Iterator[SyntheticModel]:
        """Models a listing shows: visible today, and private ones only if ``authorized``."""
        with self.lock:
            items = [m for m in self._models.values() if self._visible(m) and (authorized or not m.private)]
        yield from items

    def tracked_ids(self) -> list[str]:
        """Ids of the tracked catalog models present in this hub (current ids, after renames)."""
        with self.lock:
            return [m.id for m in self._models.values() if m.kind == "tracked"]

    def ids_of_kind(self, kind: ModelKind) -> list[str]:
        """Current ids of all models of ``kind`` (including future-dated ones)."""
        with self.lock:
            return [m.id for m in self._models.values() if m.kind == kind]

    @property
    def edge_case_ids(self) -> list[str]:
        """Models with deliberately malformed lineage tags (empty ``base_model:``, unknown relation ...)."""
        return self.ids_of_kind("edge_case")

    def derivative_edges(self, *, include_future: bool = False) -> list[DerivativeEdge]:
        """Ground-truth ``base_model:<relation>:<parent>`` edges with a known relation, visible today by default.

        Malformed lineage (empty tag, unknown ``distill`` relation, lowercased or URL parent ids) is not an
        edge; the legacy namespace-less ``synth-legacy-canonical`` finetune is. Edges point at the parent id
        *as written in the child's tags* (a rename does not rewrite them).
        """
        with self.lock:
            return [
                DerivativeEdge(child=m.id, parent=p, relation=m.relation)
                for m in self._models.values()
                if m.relation in RELATIONS and (include_future or self._visible(m))
                for p in m.parents
            ]

    def children_count(self, model_id: str) -> int:
        """Number of visible models declaring ``model_id`` as a direct parent (``childrenModelCount``)."""
        with self.lock:
            return sum(1 for m in self._models.values() if self._visible(m) and model_id in m.parents)

    def expected_downloads(self, model_id: str, on: date | None = None) -> tuple[int, int]:
        """SYNTHETIC ground truth ``(downloads_30d, downloads_all_time)`` of ``model_id`` on ``on``."""
        with self.lock:
            model = self._models[model_id]
            day = on or self.today
            return model.downloads_30d(day), model.downloads_all_time(day)

    def resolve(self, model_id: str) -> Resolution:
        """How the Hub answers ``model_id`` today: the model, a redirect target, or missing."""
        with self.lock:
            model = self._models.get(model_id)
            if model is not None and self._visible(model):
                return ("ok", model)
            if model_id in self.redirects:
                return ("redirect", self.redirects[model_id])
            return ("missing", None)

    # ----------------------------------------------------------------- mutations
    def _get(self, model_id: str) -> SyntheticModel:
        try:
            return self._models[model_id]
        except KeyError:
            raise KeyError(f"no synthetic model {model_id!r}") from None

    def add(self, model: SyntheticModel) -> None:
        """Add a hand-made model (ids must be unique)."""
        with self.lock:
            if model.id in self._models:
                raise ValueError(f"duplicate synthetic model id {model.id!r}")
            self._models[model.id] = model

    def remove(self, model_id: str) -> None:
        """Delete a repository: listings drop it and its info endpoint answers RepoNotFound."""
        with self.lock:
            self.removed[model_id] = self._models.pop(self._get(model_id).id)
            self.inaccessible.discard(model_id)
            self.redirects = {old: new for old, new in self.redirects.items() if new != model_id}

    def gate(self, model_id: str, mode: Literal["auto", "manual"] = "manual", *, inaccessible: bool = False) -> None:
        """Gate a repository. It stays listed with ``gated: mode``.

        The real Hub still serves ``/api/models/{id}`` metadata of gated repos (gating protects files), so
        by default info keeps answering 200. With ``inaccessible=True`` the info endpoint answers
        401 (anonymous) / 403 (with a token) with ``X-Error-Code: GatedRepo`` -> ``GatedRepoError``.
        """
        with self.lock:
            self._get(model_id).gated = mode
            if inaccessible:
                self.inaccessible.add(model_id)
            else:
                self.inaccessible.discard(model_id)

    def make_private(self, model_id: str) -> None:
        """Make a repository private: hidden from anonymous listings, RepoNotFound on anonymous info."""
        with self.lock:
            self._get(model_id).private = True

    def rename(self, old: str, new: str) -> None:
        """Move a repository to ``new``; ``old`` then answers with a redirect to ``new``.

        Like the real Hub, children's ``base_model:`` tags keep naming ``old``.
        """
        with self.lock:
            if new in self._models:
                raise ValueError(f"{new!r} already exists")
            model = self._models.pop(self._get(old).id)
            model.id = new
            model.author = new.split("/", 1)[0] if "/" in new else None
            self._models[new] = model
            self.redirects = {o: (new if n == old else n) for o, n in self.redirects.items()}
            self.redirects[old] = new
            self.redirects.pop(new, None)
            if old in self.inaccessible:
                self.inaccessible.discard(old)
                self.inaccessible.add(new)
