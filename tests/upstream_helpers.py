"""Names shared by the `sources` tests: the upstream repositories the stand-in serves, and the real commits of
the LMArena history whose files are kept as fixtures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ATOM = "Interconnects-AI/tracked-models"
OSAI = "Language-Technology-Assessment/main-database"
MOF = "lfai/model_openness_tool"
LMARENA = "fboulnois/llm-leaderboard-csv"
LMARENA_PATH = "csv/lmarena_text.csv"
LMSYS_PATH = "csv/lmsys.csv"  # where the leaderboard lived until 2025-08-06
FIXTURES = Path(__file__).parent / "sources" / "fixtures" / "upstream"


@dataclass(frozen=True)
class RealCommit:
    """A commit of github.com/fboulnois/llm-leaderboard-csv as it was made: id, committer date, message, the
    leaderboard file it wrote and the fixture holding that file's first lines (None: it deleted the file)."""

    sha: str
    committed: str
    message: str
    path: str
    fixture: str | None

    @property
    def moment(self) -> datetime:
        return datetime.fromisoformat(self.committed).astimezone(UTC)

    def text(self) -> str | None:
        return (FIXTURES / self.fixture).read_text("utf-8") if self.fixture else None


# oldest first; the four of 2025-08-06 UTC name leaderboard versions 2025.07.27, 07.28, 08.01 and 08.04
LEADERBOARD_COMMITS = (
    RealCommit("3792cf00e845ff3a0a04e84ee6fcbbf8e287c439", "2024-06-19T09:39:29-04:00",
               "feat: add huggingface and lmsys csv outputs", LMSYS_PATH, "lmarena-lmsys-2024-06-19.csv"),
    RealCommit("a939c2cc50d2f531efa78c9d312a0534d4a705e2", "2025-08-06T18:59:50-04:00",
               "refactor: remove R script in favor of Python", LMSYS_PATH, None),
    RealCommit("283321b9c6c2c7c43f0b8343480f00a9390c3fa2", "2025-08-06T23:05:32+00:00",
               "auto: update csv outputs to version 2025.07.27", LMARENA_PATH, "lmarena-text-283321b.csv"),
    RealCommit("80141c0ba8ceb25c772505d8c172e54b754321f6", "2025-08-06T23:06:56+00:00",
               "auto: update csv outputs to version 2025.07.28", LMARENA_PATH, "lmarena-text-80141c0.csv"),
    RealCommit("7a7158f33e6ac807c0e194b5204460bd6710f79f", "2025-08-06T23:14:12+00:00",
               "auto: update csv outputs to version 2025.08.01", LMARENA_PATH, "lmarena-text-7a7158f.csv"),
    RealCommit("e964e252a171a83b8bf189675ca01406d86bc810", "2025-08-06T23:18:20+00:00",
               "auto: update csv outputs to version 2025.08.04", LMARENA_PATH, "lmarena-text-e964e25.csv"),
)  # fmt: skip
TEXT_COMMITS = tuple(c for c in LEADERBOARD_COMMITS if c.path == LMARENA_PATH)
