"""Every test here compiles each distinct Ibis expression once per process (tests/compile_memo.py)."""

from compile_memo import compiled_once  # noqa: F401 - an autouse fixture
