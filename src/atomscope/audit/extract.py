"""Find Hugging Face Hub model ids in the text of one file, without executing anything (Python source and
notebooks: audit/python_ids.py, on the rules defined here).

Each find is a `Mention` with its line and how it was found. A mention is *explicit* when its context
says it names a model (a `from_pretrained` argument, a `model:` key, a Hub URL, an Ollama `FROM hf.co/`
line, a line of a model list); explicit mentions are always reported, as unknown when the warehouse does
not know them. Any other string shaped like `namespace/name` is *implicit* and is reported only when the
warehouse knows it (the caller filters), so paths such as `data/train` are never taken for models.

Syntaxes:
* Python (`ast`, never imported or run): arguments of `from_pretrained`, `pipeline(model=...)`,
  `hf_hub_download` / `snapshot_download` (`repo_id`, unless `repo_type` is a dataset or space) and the
  other loaders in `MODEL_CALLS`; keyword arguments and assigned variables whose name says model
  (`MODEL_NAME`); every other string literal as implicit. A file that does not parse is read as text.
* YAML, JSON, TOML, INI/CFG, `.env`, shell: `key: value` / `key = value` / `"key": value` lines whose
  key says model, including the items of a list under such a key; other id-shaped tokens as implicit.
* Requirement-style lists (`*.txt`, `*.lst`, `*.list`): a line that is just an id (optionally `@revision`, a comment).
* Ollama `Modelfile`: `FROM hf.co/namespace/name[:tag]` (or huggingface.co).
* Jupyter notebooks (`.ipynb`): each code cell as Python, at the line of the notebook file that holds it.
* Kubernetes-style env lists: `- name: MODEL_ID` followed by `value: namespace/name`; Dockerfile `ENV`/`ARG`.
* Everywhere: Hub URLs `https://huggingface.co/namespace/name` (not datasets/ or spaces/).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SEGMENT = r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9_])?"
_ID = re.compile(rf"{_SEGMENT}/{_SEGMENT}")
_SINGLE = re.compile(_SEGMENT)
_TOKEN = re.compile(rf"(?<![\w./@:-])({_SEGMENT}/{_SEGMENT})(?![\w/-]|\.[A-Za-z0-9])")
_URL = re.compile(
    rf"(?:https?://)?(?:www\.)?(?:huggingface\.co|hf\.co)/(?!datasets/|spaces/|docs/|blog/|api/|papers/)"
    rf"({_SEGMENT}/{_SEGMENT})(?![\w-]|\.[A-Za-z0-9])"
)
_MODELFILE_FROM = re.compile(r"^\s*FROM\s+(?:https?://)?(?:hf\.co|huggingface\.co)/(\S+?)(?::[\w.-]+)?\s*$", re.I)
_LIST_LINE = re.compile(rf"^\s*({_SEGMENT}/{_SEGMENT})\s*(?:(?:@|==)\s*[\w.-]+)?\s*(?:#.*)?$")
_KEY_VALUE = re.compile(
    r"""^(?P<indent>\s*)(?:-\s+)?(?:(?:export|ENV|ARG)\s+)?["']?(?P<key>[A-Za-z_][\w.-]*)["']?\s*(?::|=)\s*(?P<value>.*)$"""
)
_LIST_ITEM = re.compile(r"^(?P<indent>\s*)(?:-\s+)?(?P<value>.*)$")
_QUOTED = re.compile(r""""((?:[^"\\]|\\.)*)"|'([^'\\]*)'""")
_NOT_MODEL_KEY = re.compile(r"(dir|directory|folder|file|filename|path|cache)$", re.I)
_FLAG = re.compile(
    rf"--(model|model[-_](?:id|name|name[-_]or[-_]path)|tokenizer|served[-_]model[-_]name|base[-_]model|hf[-_]model)"
    rf"(?:=|\s+)[\"']?({_SEGMENT}/{_SEGMENT})(?![\w/-])"
)
OPTION_NAME = re.compile(r"-{0,2}[A-Za-z_][\w.-]*")
_PAIR = re.compile(r"""["']?([A-Za-z_][\w.-]*)["']?\s*[:=]\s*(?:"([^"]*)"|'([^']*)')""")
# a key, keyword argument or variable whose name says it holds a model id
MODEL_NAME = re.compile(
    r"model|checkpoint|repo_?id|(?:^|[_-])repo(?:[_-]?name)?$|name_or_path|tokenizer|pretrained|adapter|lora|embed"
    r"|rerank|\bllm|llm\b|generator|encoder",
    re.I,
)
FILE_SUFFIXES = (
    ".json",
    ".yaml",
    ".yml",
    ".toml",
    ".txt",
    ".py",
    ".md",
    ".csv",
    ".bin",
    ".safetensors",
    ".gguf",
    ".pt",
    ".pth",
    ".onnx",
    ".ckpt",
    ".h5",
    ".msgpack",
    ".cfg",
    ".ini",
    ".sh",
    ".html",
    ".jsonl",
    ".parquet",
    ".zip",
    ".tar",
    ".gz",
    ".png",
    ".jpg",
    ".log",
    ".model",
    ".tflite",
    ".pkl",
    ".npz",
)
# first path segments that name a local folder, not a Hub namespace: an explicit mention of `models/x` is
# treated like any id-shaped string (reported only when the warehouse knows it)
LOCAL_FOLDERS = frozenset(
    {
        "models",
        "model",
        "checkpoints",
        "checkpoint",
        "ckpt",
        "ckpts",
        "outputs",
        "output",
        "data",
        "weights",
        "runs",
        "tmp",
        "cache",
        "saved_models",
        "artifacts",
        "results",
        "local",
        "src",
        "configs",
    }
)


def model_key(name: str) -> bool:
    """A key, keyword or variable name that holds a model id (`model`, `base_model`, `MODEL_NAME`, not `model_dir`)."""
    if not MODEL_NAME.search(name):
        return False
    return name.lower().endswith("name_or_path") or not _NOT_MODEL_KEY.search(name)


def looks_local(model_id: str) -> bool:
    return model_id.split("/", 1)[0].lower() in LOCAL_FOLDERS


class SkipFile(Exception):
    """A file the scanner skips and counts (never fatal): `reason` is the count's label."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Mention:
    model_id: str
    line: int
    via: str
    explicit: bool


def as_model_id(text: str, *, allow_single: bool = False) -> str | None:
    """The Hub model id a string names (bare id, Hub URL, `hf.co/...:tag`), or None."""
    value = text.strip().strip("\"'").strip()
    url = _URL.fullmatch(value) or _URL.match(value)
    if url and (url.end() == len(value) or value[url.end()] in "/:?#"):
        return _plausible(url.group(1))
    value = re.sub(r"(@[\w.-]+|:[\w.-]+)$", "", value)  # a revision or an Ollama tag
    if _ID.fullmatch(value):
        return _plausible(value)
    if allow_single and _SINGLE.fullmatch(value) and not value.isdigit():
        return _plausible(value)
    return None


def _plausible(model_id: str) -> str | None:
    if "--" in model_id or ".." in model_id or model_id.lower().endswith(FILE_SUFFIXES):
        return None
    return model_id


def hub_urls(text: str, line: int) -> list[Mention]:
    found = []
    for match in _URL.finditer(text):
        model_id = _plausible(match.group(1))
        if model_id:
            found.append(Mention(model_id, line, "Hub URL", True))
    return found


# --- configuration and text files ----------------------------------------------------------------


def _values(value: str) -> list[str]:
    """The string values right of a key: the items of an inline list, the first quoted string, else the bare
    value (comma-separated, before a comment). Later pairs on the same line are read as pairs of their own."""
    value = value.strip()
    if value.startswith("["):
        inner = value[1:].split("]", 1)[0]
        quoted = [a or b for a, b in _QUOTED.findall(inner)]
        return quoted or [part.strip() for part in inner.split(",") if part.strip()]
    first = _QUOTED.match(value)
    if first:
        return [first.group(1) or first.group(2)]
    bare = re.split(r"\s+#", value, maxsplit=1)[0].strip().rstrip(",").strip("{} ")
    return [part.strip() for part in bare.split(",") if part.strip()]


def _flags(line: str, number: int) -> list[Mention]:
    """Command-line flags that name a model: `--model org/name`, `--model-id=org/name`, ..."""
    return [
        Mention(m.group(2), number, f"--{m.group(1)}", True) for m in _FLAG.finditer(line) if _plausible(m.group(2))
    ]


def config_mentions(text: str) -> list[Mention]:
    """YAML, JSON, TOML, INI, .env and shell-like files, line by line."""
    mentions: list[Mention] = []
    open_key: tuple[str, int] | None = None  # a model-ish key whose value continues on the next lines
    named: str | None = None  # `name: MODEL_ID` on the previous line: its `value:` is a model (Kubernetes env)
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", "//", ";")):
            continue
        taken: set[str] = set()
        match = _KEY_VALUE.match(line)
        indent = len(line) - len(line.lstrip())
        if open_key is not None and (indent <= open_key[1] or match) and not stripped.startswith(("]", "-")):
            open_key = None
        if match:
            key, value = match.group("key"), match.group("value").strip()
            if key.lower() == "value" and named:
                key = named
            named = value.strip("\"'") if key.lower() == "name" and model_key(value.strip("\"'")) else None
            if model_key(key):
                if value in ("", "[", "|", ">", "{") or value.endswith("["):
                    open_key = (key, len(match.group("indent")))
                for item in _values(value):
                    model_id = as_model_id(item)
                    if model_id:
                        mentions.append(Mention(model_id, number, f"{key}:", True))
                        taken.add(model_id)
        elif open_key is not None:
            for item in _values(_LIST_ITEM.match(line).group("value")):
                model_id = as_model_id(item)
                if model_id:
                    mentions.append(Mention(model_id, number, f"{open_key[0]}: (list)", True))
                    taken.add(model_id)
        for key, double, single in _PAIR.findall(line):  # inline pairs: {"base_model": "org/name"}
            model_id = as_model_id(double or single) if model_key(key) else None
            if model_id and model_id not in taken:
                mentions.append(Mention(model_id, number, f"{key}:", True))
                taken.add(model_id)
        mentions += [m for m in hub_urls(line, number) + _flags(line, number) if m.model_id not in taken]
        taken |= {m.model_id for m in mentions if m.line == number}
        mentions += [
            Mention(token, number, "id-shaped string", False)
            for token in _TOKEN.findall(line)
            if token not in taken and _plausible(token)
        ]
    return mentions


def list_mentions(text: str) -> list[Mention]:
    """Requirement-style lists: one id per line; other lines are read like a config file."""
    mentions = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _LIST_LINE.match(line)
        model_id = _plausible(match.group(1)) if match else None
        if model_id:
            mentions.append(Mention(model_id, number, "model list", True))
        else:
            mentions += [Mention(m.model_id, number, m.via, m.explicit) for m in config_mentions(line)]
    return mentions


def modelfile_mentions(text: str) -> list[Mention]:
    """Ollama Modelfile: `FROM hf.co/namespace/name[:tag]`; Hub URLs elsewhere."""
    mentions = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _MODELFILE_FROM.match(line)
        if match:
            model_id = as_model_id(match.group(1))
            if model_id:
                mentions.append(Mention(model_id, number, "Modelfile FROM", True))
                continue
        mentions += hub_urls(line, number)
    return mentions
