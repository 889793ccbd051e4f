"""License classifier shared by the arena, openness and MOF metrics.

The sources spell licenses every which way ("Apache 2.0", "Apache-2.0", "apache-2.0"; "Llama 3.1 Community",
"llama3.1"; "Qianwen LICENSE"; "Propretary"; "", "N/A", "Other"). One ordered table of regex rules,
`RULES`, maps a license string to a canonical key, a `LicenseClass` and, for open licenses, the kind of
content it is written for. The string is trimmed and lower-cased; the FIRST rule whose pattern is found
anywhere in it wins; a string no rule matches (or an empty / NULL one) is `unknown`.

Classes (in rule order, so a composite such as "Apache-2.0 and CC-BY-NC-4.0" takes the most restrictive
part):

* `unknown` - empty, "N/A", "Other", "Unknown (...)", "Unclear", "Various", "Mixed", "Undisclosed",
  MOF's "unlicensed" / "Component not included", URLs and lists of data sets. Never counted as open.
* `proprietary` - "Proprietary" (and the typo "Propretary"); arXiv's non-exclusive distribution license
  (a paper readable by all but not openly licensed).
* `non_commercial` - weights downloadable, commercial use forbidden: CC-BY-NC*, "Non-commercial",
  Mistral Research License ("MRL"), any "research(-only)" or "evaluation" license, the LLaMA-1 license
  agreement, OPT-IML, EXAONE, Open Aleph, Nexusflow (Athene: personal, non-commercial terms).
* `open_weight_restricted` - weights downloadable under a custom license with use restrictions or
  conditions: Llama, Gemma, Qwen / Tongyi Qianwen, DeepSeek, Yi, NVIDIA Open Model, Jamba Open,
  AI2 ImpACT, Falcon TII, DBRX / Databricks Open Model, (Open)RAIL and BLOOM RAIL, Baichuan, ChatGLM /
  CodeGeeX, Aquila, Hunyuan, Skywork, Solar, Stability AI Community, xAI, LFM, AI Sweden, TeleChat,
  CodeFuse, LTX, Apple Sample Code, "Modified MIT" (Kimi K2), CC-BY-ND, and any other
  "... community license" / "... model license".
* `permissive` - open licenses: OSI-approved software licenses, permissive or copyleft (Apache, MIT,
  BSD, GPL/LGPL/AGPL, MPL, ISC, AFL, OSL, EPL, ECL, UPL, NCSA, Zlib, MulanPSL, Unlicense, WTFPL) -
  kind `code`; and open data / open content licenses (CC0, PDDL, CC-BY, CC-BY-SA, CDLA-Permissive /
  Sharing, ODC-By, ODbL) - kind `content`; OpenMDW - kind `any`.

`is_open_weight(cls)`: permissive, open_weight_restricted and non_commercial mean the weights can be
downloaded; proprietary and unknown mean they cannot (or that nothing says they can).

`is_open_license(value)` - THE definition of an open license, used wherever atomscope decides "open" from a
license (the openness index's truly open systems, MOF components, runnability, the audit): a license that
lets anyone use, study, modify and share for any purpose, i.e. class `permissive` (OSI-approved software
licenses, permissive or copyleft; open data / content licenses; OpenMDW). Non-commercial, research-only and
use-restricted community licenses are NOT open licenses even though their weights can be downloaded.
Sources: the Open Source Initiative's Open Source AI Definition 1.0 (opensource.org/ai/open-source-ai-definition:
the four freedoms "for any purpose without having to ask for permission"); the Model Openness Framework's
requirement of open licenses (OSI-approved for code, open data licenses for data and documents).

The same table also compiles to Ibis expressions (`license_key_expr`, `license_class_expr`,
`license_kind_expr`, `open_weight_expr`) - one `ibis.cases` over regex searches on the lower-cased
string - so metrics classify inside the engine (DuckDB or Spark). Patterns use only the regex subset
shared by Python `re` (ASCII mode), RE2 (DuckDB) and Java (Spark): literals, classes, `?`, `|`, `^`, `$`,
`\\b`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

import ibis
import ibis.expr.types as ir


class LicenseClass(StrEnum):
    PERMISSIVE = "permissive"
    OPEN_WEIGHT_RESTRICTED = "open_weight_restricted"
    NON_COMMERCIAL = "non_commercial"
    PROPRIETARY = "proprietary"
    UNKNOWN = "unknown"


OPEN_LICENSE_CLASSES = (LicenseClass.PERMISSIVE,)

OPEN_WEIGHT_CLASSES = (
    LicenseClass.PERMISSIVE,
    LicenseClass.OPEN_WEIGHT_RESTRICTED,
    LicenseClass.NON_COMMERCIAL,
)


@dataclass(frozen=True)
class Rule:
    key: str  # canonical license (family) name
    pattern: str  # searched in the trimmed, lower-cased string
    cls: LicenseClass
    kind: str | None = None  # for permissive licenses: 'code' (OSI software), 'content' (data/docs), 'any'


_U = LicenseClass.UNKNOWN
_P = LicenseClass.PROPRIETARY
_NC = LicenseClass.NON_COMMERCIAL
_R = LicenseClass.OPEN_WEIGHT_RESTRICTED
_OK = LicenseClass.PERMISSIVE
_LIC = "licen[cs]e"

RULES: tuple[Rule, ...] = (
    # --- unknown: nothing says what the license is ------------------------------------------------
    Rule("not included", r"not include", _U),  # MOF "Component not included" and its typos
    Rule(
        "unknown",
        rf"^(n/?a|none|other|other {_LIC}|{_LIC}|custom {_LIC}|unclear|undisclosed|various|mixed|unlicensed"
        r"|purposely left ambiguous|not specified)$",
        _U,
    ),
    Rule("unknown", r"^unknown", _U),  # "Unknown", "Unknown (Apache-2.0?)", "Unknown (research ...)"
    Rule("unknown", r"^https?://", _U),
    # --- proprietary -------------------------------------------------------------------------------
    Rule("Proprietary", r"propri?etary", _P),  # also the typo "Propretary"
    Rule("arXiv non-exclusive", r"arxiv", _P),
    # --- non-commercial ----------------------------------------------------------------------------
    Rule("CC-BY-NC", r"\bcc[- ]?by[- ]?nc\b|creative commons attribution non[- ]?commercial", _NC),
    Rule("Non-commercial", r"non[- ]?commercial|\bnc\b", _NC),
    Rule("Mistral Research", r"^mrl$|mistral research", _NC),
    Rule("Research-only", rf"research|evaluation {_LIC}", _NC),
    Rule("LLaMA-1", rf"^llama {_LIC} agreement$", _NC),  # the original LLaMA: non-commercial research
    Rule("OPT", r"^opt-", _NC),
    Rule("EXAONE", r"exaone", _NC),
    Rule("Open Aleph", r"open aleph", _NC),
    Rule("Nexusflow", r"nexusflow", _NC),
    # --- open weights with use restrictions --------------------------------------------------------
    Rule("CC-BY-ND", r"\bcc[- ]?by[- ]?nd\b", _R),
    Rule("Modified MIT", r"modified mit", _R),
    Rule("Llama", r"llama", _R),
    Rule("Gemma", r"gemma", _R),
    Rule("Qwen", r"qwen|qianwen", _R),
    Rule("DeepSeek", r"deepseek", _R),
    Rule("Yi", rf"^yi {_LIC}", _R),
    Rule("NVIDIA Open Model", r"nvidia", _R),
    Rule("Jamba Open", r"jamba", _R),
    Rule("AI2 ImpACT", r"impact", _R),
    Rule("Falcon TII", r"falcon|\btii\b", _R),
    Rule("DBRX", r"dbrx|databricks", _R),
    Rule("OpenRAIL", r"openrail|\brail\b|\bbloom\b", _R),
    Rule("Baichuan", r"baichuan", _R),
    Rule("ChatGLM", r"chatglm|codegeex|\bglm\b", _R),
    Rule("Aquila", r"aquila|\bbaai\b", _R),
    Rule("Hunyuan", r"hunyuan|tencent", _R),
    Rule("Skywork", r"skywork", _R),
    Rule("Solar", r"upstage|\bsolar\b", _R),
    Rule("Stability AI Community", r"stability", _R),
    Rule("xAI Community", r"\bxai\b", _R),
    Rule("LFM Open", r"\blfm\b", _R),
    Rule("AI Sweden", r"ai sweden", _R),
    Rule("TeleChat", r"telechat|commercial use restr", _R),
    Rule("CodeFuse", r"codefuse", _R),
    Rule("LTX", r"\bltx", _R),
    Rule("Apple Sample Code", r"apple", _R),  # custom, not OSI-approved
    Rule("Community license", rf"community {_LIC}|model {_LIC}|open model", _R),
    # --- open licenses -----------------------------------------------------------------------------
    Rule("Apache-2.0", r"apache", _OK, "code"),
    Rule("MIT", r"\bmit\b", _OK, "code"),
    Rule("BSD", r"\bbsd|\b0bsd\b", _OK, "code"),
    Rule("GPL", rf"\b(a|l)?gpl\b|general public {_LIC}", _OK, "code"),
    Rule("MPL", rf"\bmpl\b|mozilla public {_LIC}", _OK, "code"),
    Rule(
        "Other OSI",
        r"\b(isc|afl|osl|epl|ecl|upl|ncsa|zlib|artistic|mulanpsl)\b|^(the )?unlicense$|\bwtfpl\b",
        _OK,
        "code",
    ),
    Rule("OpenMDW", r"openmdw", _OK, "any"),
    Rule("CC0", r"\bcc0\b|\bpddl\b|cc-pddc|public domain", _OK, "content"),
    Rule("CC-BY-SA", r"\bcc[- ]?by[- ]?sa\b|attribution share ?alike", _OK, "content"),
    Rule("CC-BY", r"\bcc[- ]?by\b|creative commons attribution", _OK, "content"),
    Rule("CDLA", r"\bcdla-(permissive|sharing)\b", _OK, "content"),
    Rule("ODC", r"\bodc-by\b|\bodbl\b", _OK, "content"),
)

UNKNOWN_RULE = Rule("unknown", "", LicenseClass.UNKNOWN)

_COMPILED = tuple((re.compile(rule.pattern, re.ASCII), rule) for rule in RULES)


def _prepare(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value != value:  # NaN from pandas
        return ""
    return str(value).strip(" \t\n\r\v\f").lower()


def license_rule(value: object) -> Rule:
    """The first rule matching `value` (UNKNOWN_RULE when none does or the string is empty)."""
    text = _prepare(value)
    if not text:
        return UNKNOWN_RULE
    for pattern, rule in _COMPILED:
        if pattern.search(text):
            return rule
    return UNKNOWN_RULE


def classify_license(value: object) -> LicenseClass:
    """The `LicenseClass` of a raw license string."""
    return license_rule(value).cls


def license_key(value: object) -> str:
    """Canonical license (family) name of a raw license string, e.g. 'Apache 2.0' -> 'Apache-2.0'."""
    return license_rule(value).key


def is_open_weight(cls: LicenseClass | str) -> bool:
    """Weights downloadable: permissive, open_weight_restricted or non_commercial."""
    return LicenseClass(cls) in OPEN_WEIGHT_CLASSES


def is_open_license(value: object) -> bool:
    """An open license (see the module docstring): `value` is a raw license string, or a `LicenseClass` (or
    its value, e.g. 'permissive', as a license_class column holds it)."""
    classes = {cls.value for cls in LicenseClass}
    cls = LicenseClass(value) if isinstance(value, str) and value in classes else classify_license(value)
    return cls in OPEN_LICENSE_CLASSES


# --- Ibis ------------------------------------------------------------------------------------------


def _prepared_expr(col: ir.StringValue) -> ir.StringValue:
    return col.cast("string").fill_null("").strip().lower()


def _cases(col: ir.StringValue, value_of) -> ir.StringValue:
    text = _prepared_expr(col)
    branches = [(text.re_search(rule.pattern), value_of(rule)) for rule in RULES]
    return ibis.cases(
        (text == "", value_of(UNKNOWN_RULE)),
        *branches,
        else_=value_of(UNKNOWN_RULE),
    )


def license_key_expr(col: ir.StringValue) -> ir.StringValue:
    """Ibis: canonical license key of a license string column (same rules as `license_key`)."""
    return _cases(col, lambda rule: rule.key)


def license_class_expr(col: ir.StringValue) -> ir.StringValue:
    """Ibis: `LicenseClass` value (a string) of a license string column (same rules as `classify_license`)."""
    return _cases(col, lambda rule: rule.cls.value)


def license_kind_expr(col: ir.StringValue) -> ir.StringValue:
    """Ibis: 'code' / 'content' / 'any' for open (permissive) licenses, NULL otherwise."""
    text = _prepared_expr(col)
    null = ibis.null("string")
    branches = [
        (text.re_search(rule.pattern), ibis.literal(rule.kind, type="string") if rule.kind else null) for rule in RULES
    ]
    return ibis.cases((text == "", null), *branches, else_=null)


def open_weight_expr(class_col: ir.StringValue) -> ir.BooleanValue:
    """Ibis: is a license-class column one of the open-weight classes."""
    return class_col.isin([cls.value for cls in OPEN_WEIGHT_CLASSES])


def open_license_expr(class_col: ir.StringValue) -> ir.BooleanValue:
    """Ibis: is a license-class column an open license (`is_open_license`)."""
    return class_col.isin([cls.value for cls in OPEN_LICENSE_CLASSES]).fill_null(False)
