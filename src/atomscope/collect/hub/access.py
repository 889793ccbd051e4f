"""One way to the Hub for every collector: endpoint, token, retry policy, request cap, public name.

`collect hf` (`HubClient`: listings and probes) and `import hub-stats` (`HfApi` for commits and
paths-info, `HfFileSystem` for ranged reads, `hf_hub_download` for whole files) are built from the same
`HubAccess`, so they agree on where the Hub is, which token is sent (huggingface_hub's own resolution:
`HF_TOKEN`, else the token store; never printed), how failures are retried and how many requests a run
may make.

`HF_ENDPOINT` is read here and nowhere else, when a command starts (huggingface_hub's `constants.ENDPOINT`
is read once at import, which would ignore a value set later in the same process).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field

from huggingface_hub import HfApi, HfFileSystem
from huggingface_hub.utils import build_hf_headers

from atomscope import __version__
from atomscope.collect.hub.client import HubClient, Monitor, RetryPolicy, public_endpoint

ENDPOINT_ENV = "HF_ENDPOINT"
DEFAULT_ENDPOINT = "https://huggingface.co"


def hub_endpoint(explicit: str | None = None) -> str:
    """`explicit` (an `--endpoint` option), else `$HF_ENDPOINT`, else the public Hub; no trailing slash."""
    return (explicit or os.environ.get(ENDPOINT_ENV) or DEFAULT_ENDPOINT).rstrip("/")


@dataclass(frozen=True)
class HubAccess:
    endpoint: str
    token: str | bool | None = None  # None: HF_TOKEN or the standard token store (huggingface_hub decides)
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    max_requests: int | None = None

    @classmethod
    def resolve(cls, endpoint: str | None = None, **kwargs) -> HubAccess:
        """The access of a command: its `--endpoint` or `$HF_ENDPOINT` (see `hub_endpoint`)."""
        return cls(hub_endpoint(endpoint), **kwargs)

    @property
    def public(self) -> str:
        """The endpoint without any user:password part: what is stored and printed."""
        return public_endpoint(self.endpoint)

    def api(self) -> HfApi:
        return HfApi(endpoint=self.endpoint, token=self.token, library_name="atomscope", library_version=__version__)

    def headers(self) -> dict[str, str]:
        """The headers of a request to this endpoint (the token, when there is one, and the user agent)."""
        return build_hf_headers(token=self.api().token, library_name="atomscope", library_version=__version__)

    def client(self, *, monitor: Monitor | None = None, sleep: Callable[[float], None] | None = None,
               clock: Callable[[], float] | None = None) -> HubClient:  # fmt: skip
        extra = {k: v for k, v in (("sleep", sleep), ("clock", clock)) if v is not None}
        return HubClient(self.endpoint, token=self.token, policy=self.policy, max_requests=self.max_requests,
                         monitor=monitor, **extra)  # fmt: skip

    def filesystem(self) -> HfFileSystem:
        """A private `HfFileSystem` (not fsspec's shared instance: its caches live as long as one import)."""
        return HfFileSystem(endpoint=self.endpoint, token=self.token, skip_instance_cache=True)
