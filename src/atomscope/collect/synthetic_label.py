"""Whether an endpoint says that what it serves is SYNTHETIC.

atomscope's own test stand-ins (the Hub emulator of `testing.hub`) serve invented figures under real
model ids. They say so: every answer carries the header `X-Atomscope-Synthetic: 1`, and they answer a
probe at `/.well-known/atomscope-synthetic`. A collector asks once per endpoint before it stores anything
and records the answer on its load run (`load_runs.synthetic`); the publication guard
(`warehouse.provenance.refuse_unpublishable`) refuses data from such runs.

Only loopback endpoints are probed: the public Hub, or any other remote host, never gets an extra request.
A local endpoint that does not answer the probe (a genuine mirror, someone else's stand-in) is taken as
what it claims to be, and its address is named in the report's provenance like any other.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlparse

SYNTHETIC_HEADER = "X-Atomscope-Synthetic"
PROBE_PATH = "/.well-known/atomscope-synthetic"


def is_loopback(endpoint: str) -> bool:
    host = urlparse(endpoint if "//" in endpoint else f"//{endpoint}").hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serves_synthetic(endpoint: str | None) -> bool:
    """True when a loopback `endpoint` labels its answers synthetic (one small request, loopback only)."""
    if not endpoint or not is_loopback(endpoint):
        return False
    import httpx

    try:
        response = httpx.get(endpoint.rstrip("/") + PROBE_PATH, timeout=5.0)
    except httpx.HTTPError:
        return False
    return response.headers.get(SYNTHETIC_HEADER) == "1"
