"""Generator of the SYNTHETIC hub behind :meth:`atomscope.testing.synthetic_hub.SyntheticHub.from_catalog`.

EVERY NUMBER PRODUCED HERE IS SYNTHETIC (seeded random draws). Only the tracked model ids and their
organisations are real, read from the bundled ``atom_tracked_models.csv``. Third-party accounts are named
``synth-*`` so they cannot be mistaken for real Hub users. Never let these numbers reach a report.
"""

from __future__ import annotations

import csv
import io
import random
import re
from datetime import UTC, date, datetime, timedelta
from functools import partial
from importlib.resources import files

from atomscope.testing.synthetic_hub import GatedMode, ModelKind, SyntheticModel

_EPOCH = datetime(2023, 1, 1, tzinfo=UTC)
_SIZE_RE = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)([BM])(?![a-zA-Z])")
_THIRD_PARTY = (
    "synth-ferret", "synth-otter", "synth-lynx", "synth-heron", "synth-marmot",
    "synth-tapir", "synth-ibis", "synth-gecko", "synth-quokka", "synth-okapi",
)  # fmt: skip
_LICENSES = ("apache-2.0", "mit", "other", "llama3.1", "gemma", "cc-by-nc-4.0")


def load_catalog() -> list[tuple[str, str, str]]:
    """The bundled tracked-model catalog as ``(model_id, hf_org, list)`` rows (real ids, no numbers)."""
    text = (files("atomscope") / "data" / "atom_tracked_models.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(io.StringIO(text))
    return [(r["model_id"].strip(), r["hf_org"].strip(), r["list"].strip()) for r in rows if r["model_id"]]


def _pipeline_for(name: str) -> str:
    low = name.lower()
    if re.search(r"embed", low):
        return "feature-extraction"
    if re.search(r"rerank", low):
        return "text-ranking"
    if re.search(r"whisper|asr|speech|audio", low):
        return "automatic-speech-recognition"
    if re.search(r"vl\b|-vl|vision|llava|molmo|ovis|internvl|-v-|omni|image", low):
        return "image-text-to-text"
    return "text-generation"


def _params_for(name: str, rng: random.Random) -> int:
    match = _SIZE_RE.search(name)
    if match:
        scale = 1e9 if match.group(2) == "B" else 1e6
        return int(float(match.group(1)) * scale)
    return int(rng.lognormvariate(22.5, 1.2))  # SYNTHETIC, median ~6e9


class _Builder:
    """Accumulates synthetic models with a single seeded RNG (deterministic for a given seed)."""

    def __init__(self, seed: int, today: date) -> None:
        self.rng = random.Random(seed)
        self.today = today
        self.models: dict[str, SyntheticModel] = {}
        self._counter = 0

    # ---------------------------------------------------------------- helpers
    def _timestamp(self, day: date) -> datetime:
        seconds = self.rng.randrange(86_400)
        return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(seconds=seconds)

    def _hex(self, n: int) -> str:
        return "".join(self.rng.choice("0123456789abcdef") for _ in range(n))

    def _object_id(self, created: datetime) -> str:
        self._counter += 1
        return f"{int(created.timestamp()):08x}{self._counter:06x}{self._hex(10)}"

    def _tags(self, pipeline: str | None, library: str | None, extra: list[str], license_: str) -> list[str]:
        tags = [t for t in (library, "safetensors" if library == "transformers" else None, pipeline) if t]
        return list(dict.fromkeys([*tags, *extra, f"license:{license_}", "region:us"]))

    def add(
        self,
        model_id: str,
        *,
        kind: ModelKind,
        created: datetime,
        pipeline: str | None,
        library: str | None,
        rate: float,
        growth: float,
        params: int | None,
        parents: tuple[str, ...] = (),
        relation: str | None = None,
        lineage_tags: list[str] | None = None,
        extra_tags: list[str] | None = None,
        gated: GatedMode = False,
        card_base: str | None = None,
    ) -> SyntheticModel:
        model_id = self.free_id(model_id)
        license_ = self.rng.choice(_LICENSES)
        if lineage_tags is None:
            lineage_tags = [f"base_model:{p}" for p in parents]
            lineage_tags += [f"base_model:{relation}:{p}" for p in parents]
        card: dict = {"license": license_, "library_name": library, "pipeline_tag": pipeline}
        if parents or card_base is not None:
            card["base_model"] = (
                card_base if card_base is not None else (parents[0] if len(parents) == 1 else list(parents))
            )
        last_day = min(self.today, created.date() + timedelta(days=self.rng.randrange(0, 120)))
        modified = max(created, self._timestamp(last_day))
        dtype = "BF16" if library != "gguf" else "Q4_K_M"
        siblings = ("config.json", "model.safetensors")
        if library == "gguf":
            siblings = (f"{model_id.rsplit('/', 1)[-1]}-Q4_K_M.gguf",)
        elif library == "peft":
            siblings = ("adapter_config.json", "adapter_model.safetensors")
        model = SyntheticModel(
            id=model_id,
            author=model_id.split("/", 1)[0] if "/" in model_id else None,
            kind=kind,
            object_id=self._object_id(created),
            sha=self._hex(40),
            created_at=created,
            last_modified=modified,
            pipeline_tag=pipeline,
            library_name=library,
            base_rate=rate,
            growth=growth,
            likes=int(self.rng.lognormvariate(2.0 if kind == "derivative" else 3.5, 1.6)),
            params_total=params,
            params_dtype=dtype,
            tags=self._tags(pipeline, library, [*(extra_tags or []), *lineage_tags], license_),
            parents=parents,
            relation=relation,
            gated=gated,
            card_data=card,
            siblings=siblings,
        )
        self.models[model_id] = model
        return model

    def free_id(self, model_id: str) -> str:
        """``model_id``, or ``model_id-b``, ``-c`` ... if a catalog id already took it."""
        candidate, n = model_id, 0
        while candidate in self.models:
            n += 1
            candidate = f"{model_id}-{chr(ord('a') + n)}"
        return candidate

    def created_between(self, start: date, end: date) -> datetime:
        span = max(0, (end - start).days)
        return self._timestamp(start + timedelta(days=self.rng.randrange(span + 1)))

    def derived_created(self, parents: list[SyntheticModel]) -> datetime:
        """A creation time after every parent: usually within 60 days, sometimes recent or in the future."""
        floor = max(p.created_at for p in parents) + timedelta(hours=1)
        draw = self.rng.random()
        if draw < 0.12:
            candidate = self._timestamp(self.today + timedelta(days=self.rng.randint(1, 4)))
        elif draw < 0.35:
            candidate = self._timestamp(self.today - timedelta(days=self.rng.randrange(14)))
        else:
            candidate = floor + timedelta(days=self.rng.randint(1, 60), seconds=self.rng.randrange(86_400))
            cap = datetime(self.today.year, self.today.month, self.today.day, tzinfo=UTC)
            candidate = min(candidate, cap)
        return max(candidate, floor)

    # ---------------------------------------------------------------- populations
    def tracked(self, model_id: str, org: str) -> SyntheticModel:
        name = model_id.split("/", 1)[1]
        pipeline = _pipeline_for(name)
        library = "gguf" if "gguf" in name.lower() else "mlx" if "mlx" in name.lower() else "transformers"
        gated = "manual" if org == "meta-llama" else ("auto" if self.rng.random() < 0.05 else False)
        created = self.created_between(_EPOCH.date(), self.today - timedelta(days=200))
        return self.add(
            model_id, kind="tracked", created=created, pipeline=pipeline, library=library,
            rate=self.rng.lognormvariate(6.5, 2.0), growth=self.rng.uniform(0, 0.5),
            params=_params_for(name, self.rng), gated=gated,
            extra_tags=["conversational"] if pipeline == "text-generation" else [],
        )  # fmt: skip

    def first_party(self, org: str, anchor: SyntheticModel) -> None:
        """Untracked first-party repos: one to discover, three that rejection rules must drop."""
        name = anchor.id.split("/", 1)[1]
        params = anchor.params_total
        recent = self.created_between(self.today - timedelta(days=40), self.today)
        self.add(f"{org}/{name}-Next", kind="first_party", created=recent, pipeline="text-generation",
                 library="transformers", rate=self.rng.lognormvariate(8.0, 1.0), growth=0.2,
                 params=params, extra_tags=["conversational"])  # fmt: skip
        self.add(f"{org}/{name}-GGUF", kind="first_party", created=self.derived_created([anchor]),
                 pipeline=anchor.pipeline_tag, library="gguf", rate=self.rng.lognormvariate(6.0, 1.5),
                 growth=0.0, params=params, parents=(anchor.id,), relation="quantized",
                 extra_tags=["gguf"])  # fmt: skip
        short = re.split(r"[-_]", name)[0]
        created = self.created_between(self.today - timedelta(days=300), self.today - timedelta(days=1))
        self.add(f"{org}/{short}-Guard-3B", kind="first_party", created=created, pipeline="text-generation",
                 library="transformers", rate=self.rng.lognormvariate(5.0, 1.5), growth=0.0,
                 params=3_000_000_000)  # fmt: skip
        created = self.created_between(self.today - timedelta(days=300), self.today - timedelta(days=1))
        self.add(f"{org}/{short}-Embedding-0.6B", kind="first_party", created=created,
                 pipeline="feature-extraction", library="sentence-transformers",
                 rate=self.rng.lognormvariate(6.0, 1.5), growth=0.0, params=600_000_000,
                 extra_tags=["sentence-similarity"])  # fmt: skip

    def derivative(self, parents: list[SyntheticModel], relation: str, level: int, tag: str) -> SyntheticModel:
        owner = self.rng.choice(_THIRD_PARTY)
        base_name = parents[0].id.rsplit("/", 1)[-1]
        suffix = {"finetune": "ft", "adapter": "lora", "quantized": "GGUF", "merge": "merge"}[relation]
        model_id = f"{owner}/{base_name}-{suffix}-{tag}"
        library = {"finetune": "transformers", "adapter": "peft", "quantized": "gguf", "merge": "transformers"}
        extra = {"adapter": ["lora"], "quantized": ["gguf"], "merge": ["mergekit", "merge"]}.get(relation, [])
        tiny = relation == "adapter" or level >= 3 or self.rng.random() < 0.2
        rate = self.rng.uniform(0.0, 0.1) if tiny else self.rng.lognormvariate(4.0 - level, 1.8)
        params = parents[0].params_total
        return self.add(
            model_id, kind="derivative", created=self.derived_created(parents),
            pipeline=parents[0].pipeline_tag, library=library[relation], rate=rate,
            growth=0.0 if tiny else self.rng.uniform(0, 0.05), params=params,
            parents=tuple(p.id for p in parents), relation=relation, extra_tags=extra,
        )  # fmt: skip

    def tree(self, root: SyntheticModel, depth: int, index: int) -> list[SyntheticModel]:
        """A derivative tree under ``root``: every relation, ``depth`` levels, two multi-parent merges."""
        made: list[SyntheticModel] = []

        def grow(parent: SyntheticModel, level: int, path: str) -> list[SyntheticModel]:
            plan = (
                ["finetune", "finetune", "adapter", "quantized"] if level == 1 else ["finetune", "adapter", "quantized"]
            )
            finetunes = []
            for k, relation in enumerate(plan):
                child = self.derivative([parent], relation, level, f"t{index}n{path}{k}")
                made.append(child)
                if relation == "finetune":
                    finetunes.append(child)
                    if level < depth:
                        grow(child, level + 1, f"{path}{k}")
            return finetunes

        first = grow(root, 1, "")
        if len(first) >= 2:
            merge = self.derivative(first[:2], "merge", 2, f"t{index}m")
            made.append(merge)
            made.append(self.derivative([merge], "quantized", 3, f"t{index}mq"))
            made.append(self.derivative([merge, root], "merge", 3, f"t{index}mm"))
        return made

    def edge_cases(self, root: SyntheticModel) -> None:
        """Malformed lineage a collector must survive without crashing or inventing edges."""
        created = self.derived_created([root])
        add = partial(self.add, kind="edge_case", created=created, pipeline=root.pipeline_tag,
                      library="transformers", rate=2.0, growth=0.0, params=root.params_total)  # fmt: skip
        add("synth-odd/empty-base-model-tag", lineage_tags=["base_model:"], card_base="")
        add("synth-odd/unknown-relation-distill", parents=(root.id,), relation="distill")
        lowered = root.id.lower()
        add("synth-odd/lowercased-base-id", lineage_tags=[f"base_model:{lowered}", f"base_model:finetune:{lowered}"],
            card_base=lowered)  # fmt: skip
        url = f"https://huggingface.co/{root.id}"
        add("synth-odd/url-as-base-id", lineage_tags=[f"base_model:finetune:{url}"], card_base=url)
        add("synth-legacy-canonical", parents=(root.id,), relation="finetune")


def build_models(
    *,
    seed: int,
    orgs: list[str] | None,
    max_models_per_org: int | None,
    today: date,
    first_party: bool,
    roots_per_org: int,
    depth: int,
    edge_cases: bool,
) -> list[SyntheticModel]:
    """Build the whole SYNTHETIC population (see ``SyntheticHub.from_catalog`` for the options)."""
    if depth < 1:
        raise ValueError("derivative_depth must be >= 1")
    builder = _Builder(seed, today)
    by_org: dict[str, list[SyntheticModel]] = {}
    wanted = None if orgs is None else set(orgs)
    for model_id, org, _list in load_catalog():
        if "/" not in model_id or (wanted is not None and org not in wanted):
            continue
        bucket = by_org.setdefault(org, [])
        if max_models_per_org is not None and len(bucket) >= max_models_per_org:
            continue
        if model_id in builder.models:
            continue
        bucket.append(builder.tracked(model_id, org))
    if wanted is not None and (missing := wanted - set(by_org)):
        raise ValueError(f"orgs not in the tracked catalog: {sorted(missing)}")
    roots: list[SyntheticModel] = []
    for org, tracked in by_org.items():
        if first_party:
            builder.first_party(org, tracked[0])
        candidates = [m for m in tracked if m.library_name == "transformers"] or tracked
        roots.extend(candidates[:roots_per_org])
    trees = [builder.tree(root, depth, i) for i, root in enumerate(roots)]
    for i in range(len(trees) - 1):  # cross-tree merges: parents from two different roots' trees
        left = next((m for m in trees[i] if m.relation == "finetune"), None)
        right = next((m for m in trees[i + 1] if m.relation == "finetune"), None)
        if left is not None and right is not None:
            builder.derivative([left, right], "merge", 2, f"x{i}")
    if edge_cases and roots:
        builder.edge_cases(roots[0])
    return list(builder.models.values())
