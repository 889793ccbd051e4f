"""The serving loop shared by the loopback stand-ins (Hub, hostile servers, upstream, OpenRouter, ModelScope)."""

from __future__ import annotations

import threading
from socketserver import BaseServer

# How often serve_forever checks for shutdown(): the default 0.5 s made every stand-in's stop() wait up to half a
# second, paid by each test that starts one.
POLL_S = 0.05


def serving_thread(server: BaseServer, name: str | None = None) -> threading.Thread:
    """A daemon thread, not yet started, that runs `server.serve_forever`."""
    return threading.Thread(target=server.serve_forever, kwargs={"poll_interval": POLL_S}, name=name, daemon=True)
