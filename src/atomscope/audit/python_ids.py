"""Hub model ids in Python source and Jupyter notebooks, read with `ast` (never imported or run).

Explicit mentions: the model argument of the loaders in `MODEL_CALLS` (`from_pretrained`, `pipeline`,
`hf_hub_download` / `snapshot_download` `repo_id` unless `repo_type` is a dataset or space, ...), keyword
arguments, dict keys and assigned variables whose name says model (`extract.model_key`), and the default of
`os.getenv("MODEL_ID", ...)` / `add_argument("--model", default=...)`. Every other string literal with a
slash is implicit (reported only when the warehouse knows it). A file that does not parse is read as text.
"""

from __future__ import annotations

import ast
import json
import re

from atomscope.audit.extract import OPTION_NAME, Mention, SkipFile, as_model_id, config_mentions, hub_urls, model_key

# call name -> (position of the model argument, its keyword names); `repo_type` may say it is no model
MODEL_CALLS: dict[str, tuple[int | None, tuple[str, ...]]] = {
    "from_pretrained": (0, ("pretrained_model_name_or_path", "model_id", "repo_id")),
    "pipeline": (1, ("model", "tokenizer")),
    "hf_hub_download": (0, ("repo_id",)),
    "snapshot_download": (0, ("repo_id",)),
    "model_info": (0, ("repo_id",)),
    "list_repo_files": (0, ("repo_id",)),
    "HfFileSystem": (None, ()),
    "SentenceTransformer": (0, ("model_name_or_path",)),
    "CrossEncoder": (0, ("model_name", "model_name_or_path")),
    "InferenceClient": (0, ("model",)),
    "LLM": (0, ("model",)),
    "from_model_id": (0, ("model_id",)),
    "load_model": (0, ("model", "model_id", "model_name")),
}
NOT_MODEL_REPO_TYPES = {"dataset", "space"}
_PY_HINT = re.compile(r"""["'][^"'\n]*/[^"'\n]*["']|\b(?:""" + "|".join(MODEL_CALLS) + r")\s*\(")


def _call_name(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    if isinstance(node.func, ast.Name):
        return node.func.id
    return None


def _string(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


class _PythonVisitor:
    def __init__(self) -> None:
        self.mentions: list[Mention] = []
        self.claimed: set[int] = set()  # id() of string nodes already taken as explicit

    def _explicit(self, node: ast.AST | None, via: str, *, allow_single: bool) -> None:
        text = _string(node)
        if text is None:
            return
        model_id = as_model_id(text, allow_single=allow_single)
        if model_id:
            self.mentions.append(Mention(model_id, node.lineno, via, True))
            self.claimed.add(id(node))

    def visit_Call(self, node: ast.Call) -> None:
        name = _call_name(node)
        keywords = {k.arg: k.value for k in node.keywords if k.arg}
        repo_type = _string(keywords.get("repo_type"))
        if name in MODEL_CALLS and repo_type not in NOT_MODEL_REPO_TYPES:
            position, names = MODEL_CALLS[name]
            if position is not None and len(node.args) > position:
                self._explicit(node.args[position], f"{name}()", allow_single=True)
            for key in names:
                self._explicit(keywords.get(key), f"{name}({key}=)", allow_single=True)
        if repo_type in NOT_MODEL_REPO_TYPES:  # a dataset or space id is no model
            self.claimed.update(id(arg) for arg in [*node.args, *keywords.values()])
        else:
            for key, value in keywords.items():
                if model_key(key):
                    self._explicit(value, f"{key}=", allow_single=False)
        option = _string(node.args[0]) if node.args else None
        if option and OPTION_NAME.fullmatch(option) and model_key(option.lstrip("-")):
            # os.getenv("MODEL_ID", "org/name"), parser.add_argument("--model", default="org/name")
            for value in [*node.args[1:2], keywords.get("default")]:
                self._explicit(value, f"{option} default", allow_single=False)

    def _assigned(self, targets: list[ast.AST], value: ast.AST | None) -> None:
        for target in targets:
            name = target.id if isinstance(target, ast.Name) else getattr(target, "attr", None)
            if name and model_key(name):
                values = value.elts if isinstance(value, ast.List | ast.Tuple | ast.Set) else [value]
                for item in values:
                    self._explicit(item, f"{name} =", allow_single=False)

    def visit_Assign(self, node: ast.Assign) -> None:
        self._assigned(node.targets, node.value)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._assigned([node.target], node.value)

    def visit_Dict(self, node: ast.Dict) -> None:
        for key, value in zip(node.keys, node.values, strict=True):
            key_text = _string(key)
            if key_text and model_key(key_text):
                self._explicit(value, f"{key_text!r}:", allow_single=False)

    def visit_Constant(self, node: ast.Constant) -> None:
        if not isinstance(node.value, str) or id(node) in self.claimed or "/" not in node.value:
            return
        urls = hub_urls(node.value, node.lineno)
        self.mentions.extend(urls)
        if not urls:
            model_id = as_model_id(node.value)
            if model_id:
                self.mentions.append(Mention(model_id, node.lineno, "string literal", False))


def python_mentions(text: str) -> list[Mention] | None:
    """Mentions in Python source; None when it does not parse (the caller reads it as text)."""
    if not _PY_HINT.search(text):  # no quoted string with a slash, no loader call: nothing to find, skip parsing
        return []
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return None
    visitor = _PythonVisitor()
    handlers = {
        ast.Call: visitor.visit_Call,
        ast.Assign: visitor.visit_Assign,
        ast.AnnAssign: visitor.visit_AnnAssign,
        ast.Dict: visitor.visit_Dict,
        ast.Constant: visitor.visit_Constant,
    }
    # ast.walk is breadth-first: a call, assignment or dict claims its strings before they are visited
    for node in ast.walk(tree):
        handler = handlers.get(type(node))
        if handler is not None:
            handler(node)
    return visitor.mentions


MAX_JSON_DEPTH = 64  # a real notebook nests about 6 levels deep
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def json_depth(text: str) -> int:
    """How deep the arrays and objects of a JSON text nest (brackets inside strings do not count)."""
    depth = deepest = 0
    for char in _NOT_BRACKET.sub("", _JSON_STRING.sub("", text)):
        depth += 1 if char in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _cell_lines(source: object) -> list[str]:
    """A cell's source lines: nbformat writes a string or a list of strings; anything else holds no code."""
    if isinstance(source, str):
        return source.splitlines(keepends=True)
    if isinstance(source, list):
        return [part for part in source if isinstance(part, str)]
    return []


def notebook_mentions(text: str) -> list[Mention]:
    """Jupyter notebooks: each code cell read as Python; lines are those of the .ipynb file (where the cell's
    source line is written in the JSON). A file that is not a notebook is read like a configuration file; one
    nested deeper than MAX_JSON_DEPTH is skipped (`SkipFile`), never parsed."""
    if json_depth(text) > MAX_JSON_DEPTH:
        raise SkipFile(f"nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        notebook = json.loads(text)
    except ValueError:
        return config_mentions(text)
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list):
        return config_mentions(text)
    lines = text.splitlines()
    cursor = 0
    mentions: list[Mention] = []
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        parts = _cell_lines(cell.get("source", ""))
        file_line: dict[int, int] = {}
        for number, part in enumerate(parts, start=1):
            needles = {json.dumps(part), json.dumps(part, ensure_ascii=False)}
            for index in range(cursor, len(lines)):
                if any(needle in lines[index] for needle in needles):
                    file_line[number] = index + 1
                    cursor = index + 1 if len(lines) > 1 else index
                    break
        for mention in python_mentions("".join(parts)) or []:
            line = file_line.get(mention.line, cursor or 1)
            mentions.append(Mention(mention.model_id, line, f"{mention.via} (notebook cell)", mention.explicit))
    return mentions
