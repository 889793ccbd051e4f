"""One way to the Hub for every collector: endpoint, token, retry policy, request cap, public name.

`collect hf` (`HubClient`: listings and probes) and `import hub-stats` (`HfApi` for commits and
paths-info, `HfFileSystem` for ranged reads, `hf_hub_download` for whole files) are built from the same
`HubAccess`, so they agree on where the Hub is, which token is sent (`hub_token`; never printed), how
failures are retried and how many requests a run may make.

The token rule (issue 29): a token passed explicitly goes to the endpoint passed with it; the ambient token
(`HF_TOKEN`, else the token store) goes only to the official Hub (https://huggingface.co, https://hf.co) or
to the endpoint `HF_ENDPOINT` names beside it, never to an endpoint named only by `--endpoint`.

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
from atomscope.remote.checks import origin, same_origin

ENDPOINT_ENV = "HF_ENDPOINT"
DEFAULT_ENDPOINT = "https://huggingface.co"
OFFICIAL_HUB_ORIGINS = frozenset({("https", "huggingface.co", 443), ("https", "hf.co", 443)})


def hub_endpoint(explicit: str | None = None) -> str:
    """`explicit` (an `--endpoint` option), else `$HF_ENDPOINT`, else the public Hub; no trailing slash."""
    return (explicit or os.environ.get(ENDPOINT_ENV) or DEFAULT_ENDPOINT).rstrip("/")


def hub_token(endpoint: str, token: str | bool | None) -> str | bool | None:
    """The token to send to `endpoint`: an explicit string as given, None (huggingface_hub then sends the
    ambient token) at the official Hub or at `$HF_ENDPOINT`, else False (no token at all)."""
    if isinstance(token, str) or token is False:
        return token
    named = os.environ.get(ENDPOINT_ENV)
    if origin(endpoint) in OFFICIAL_HUB_ORIGINS or (named and same_origin(named, endpoint)):
        return None
    return False


@dataclass(frozen=True)
class HubAccess:
    endpoint: str
    token: str | bool | None = None  # None: the ambient token where `hub_token` allows it, else False
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    max_requests: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "token", hub_token(self.endpoint, self.token))

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
