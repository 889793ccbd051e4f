"""`atomscope ARGS` run in the test's own process, through the real entry point (`atomscope.cli.main`: its
error handling and exit codes), with the environment given; usable from module-scoped fixtures too.

A subprocess costs an interpreter and the imports of Ibis, DuckDB and pandas (1-2 s of CPU each on the CI
machine); only tests of the process boundary itself (start-up imports, a second process holding a lock, a
killed writer, `python -m atomscope`) need one. The answer has the attributes of `subprocess.run`'s.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import sys
from dataclasses import dataclass

import pytest


@dataclass
class Completed:
    returncode: int
    stdout: str
    stderr: str


def atomscope(*args: object, env: dict[str, str] | None = None, whole_env: bool = False) -> Completed:
    """`env` is added to this process's environment, or with `whole_env` replaces it (as a child given `env=`
    would see it). An exception escaping `main` fails the test: the real process would print a traceback."""
    from atomscope.cli import main

    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sys, "argv", ["atomscope", *map(str, args)])
        if whole_env:
            for name in set(os.environ) - set(env or {}):
                mp.delenv(name)
        for name, value in (env or {}).items():
            mp.setenv(name, value)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main()
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return Completed(code, out.getvalue(), err.getvalue())


def interruptible_child() -> None:
    """`preexec_fn` for a child a test stops with Ctrl-C (SIGINT): it starts with SIGINT's default action and
    unblocked, as from a terminal, whatever the test worker's own state. A child inherits an ignored or
    blocked SIGINT, and Python installs its KeyboardInterrupt handler only when SIGINT is not ignored; twice
    in a full two-worker run a child let SIGINT pass without effect, never when the test ran on its own."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
