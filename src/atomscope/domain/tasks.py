"""What a model is for: one task kind per model, so an alternative can be required to do the same job.

Kinds: `chat` (instruct / chat / reasoning), `base` (a pretrained text model), `code`, `embedding`,
`vision-language`, `speech`; any other Hub pipeline tag (`text-to-image`, `translation`, ...) is its own kind.

The rule, first match wins:

1. the Hub's `pipeline_tag` when it names a task other than text generation (`feature-extraction` and
   `sentence-similarity` are embedding; `image-text-to-text` and kin are vision-language; speech
   recognition and synthesis are speech; any other tag is its own kind);
2. the repository name: embedding, speech, vision-language and code models say so in their names
   (`bge-`, `-embed`, `whisper`, `-VL`, `-Coder`, ...);
3. chat: the Hub tag `conversational`, or the model has an LMArena entry (the arena rates chat models),
   or its name says instruct / chat / `-it` / a reasoning distillate (`-R1`, `Distill`, `Thinking`);
4. base: its name says `-Base`;
5. the Open LLM Leaderboard's model type (chat models, pretrained, multimodal), read last because its
   submitters typed some instruct models `pretrained`;
6. otherwise the task is not known (None): a text-generation model that says nothing of itself is not
   guessed to be a base or a chat model, and gets no alternatives.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

CHAT = "chat"
BASE = "base"
CODE = "code"
EMBEDDING = "embedding"
VISION = "vision-language"
SPEECH = "speech"
KINDS = (CHAT, BASE, CODE, EMBEDDING, VISION, SPEECH)

_TEXT_TAGS = {None, "", "text-generation", "text2text-generation", "conversational"}
_PIPELINE = {
    "feature-extraction": EMBEDDING,
    "sentence-similarity": EMBEDDING,
    "image-text-to-text": VISION,
    "visual-question-answering": VISION,
    "image-to-text": VISION,
    "video-text-to-text": VISION,
    "any-to-any": VISION,
    "automatic-speech-recognition": SPEECH,
    "text-to-speech": SPEECH,
    "text-to-audio": SPEECH,
    "audio-text-to-text": SPEECH,
}
_NAMES = (
    (EMBEDDING, re.compile(r"embed|(^|[-_])(bge|gte|e5|minilm|mpnet)([-_]|$)|sentence-t5|rerank", re.I)),
    (SPEECH, re.compile(r"whisper|speech|(^|[-_])(tts|asr|audio)([-_]|$)|voxtral|parakeet", re.I)),
    (
        VISION,
        re.compile(
            r"(^|[-_.])(vl|vlm|vision|omni|multimodal|mm)([-_.\d]|$)|llava|internvl|pixtral|idefics|smolvlm|paligemma",
            re.I,
        ),
    ),
    (CODE, re.compile(r"coder|(^|[-_])code|codestral|starcoder|codegemma|codellama", re.I)),
)
_BASE_NAME = re.compile(r"(^|[-_.])base([-_.]|$)", re.I)
_LEADERBOARD = {"chatmodels": CHAT, "pretrained": BASE, "continuouslypretrained": BASE, "multimodal": VISION}
_CHAT_NAME = re.compile(
    r"instruct|chat|(^|[-_.])(it|r1|sft|dpo|rlhf|thinking|reasoning|reasoner|assistant)([-_.]|$)|distill", re.I
)


def task_kind(
    model_id: str,
    pipeline_tag: str | None = None,
    tags: Iterable[str] = (),
    *,
    in_arena: bool = False,
    leaderboard_type: str | None = None,
) -> tuple[str | None, str | None]:
    """The task kind of a model (see the module docstring) and what decided it (`pipeline_tag`, `name`,
    `hub tag`, `lmarena`, `open llm leaderboard`), or (None, None) when nothing says."""
    tag = (pipeline_tag or "").strip().lower() or None
    if tag not in _TEXT_TAGS:
        return _PIPELINE.get(tag, tag), "pipeline_tag"
    name = model_id.rsplit("/", 1)[-1]
    for kind, pattern in _NAMES:
        if pattern.search(name):
            return kind, "name"
    board = _LEADERBOARD.get(re.sub(r"[^a-z-]", "", (leaderboard_type or "").lower()))
    if "conversational" in {t for t in tags if isinstance(t, str)}:
        return CHAT, "hub tag"
    if in_arena:
        return CHAT, "lmarena"
    if _CHAT_NAME.search(name):
        return CHAT, "name"
    if _BASE_NAME.search(name):
        return BASE, "name"
    if board is not None:
        return board, "open llm leaderboard"
    return None, None
