"""Read a hub-stats Parquet revision by column over HTTP: the footer, then only the column chunks needed.

Why pyarrow over huggingface_hub's `HfFileSystem` (`hf://datasets/<repo>@<sha>/<path>`), not DuckDB's
`hf://` reader:

- **Token.** `HfFileSystem` takes the token from the same `HubAccess` as every other Hub request
  (`HF_TOKEN` or the token store) and sends it only to the endpoint: the resolve URL answers 302 to the
  Hub's storage host (CDN / Xet bridge), and huggingface_hub's HTTP client drops `Authorization` on a
  redirect to another origin. DuckDB's reader needs its own secret (`CREATE SECRET ... TYPE huggingface`),
  a second place a token lives, and the `httpfs` extension, which DuckDB downloads from its own extension
  server at first use: not there offline, nor behind a package-registry-only proxy.
- **Endpoint.** `HfFileSystem`, built by `HubAccess`, honours `--endpoint` / `$HF_ENDPOINT` (a mirror, the tests'
  emulator); DuckDB's `hf://` always asks huggingface.co.
- **Redirects and retries.** Each range is one `GET <endpoint>/datasets/<repo>/resolve/<sha>/<path>`
  with `Range: bytes=a-b` (the revision pinned by its sha), redirected to the storage host with the
  `Range` kept; huggingface_hub's `http_backoff` retries 429 (waiting what `RateLimit` / `Retry-After`
  says) and 500/502/503/504 and network errors, 5 times, 1 to 8 s apart.
- **Requests.** Per revision: `repo_info` (`/api/datasets/<repo>/revision/<sha>`) and one root `tree`
  listing (both `HfFileSystem`'s, cached for the import), the last 8 bytes (footer length; this request
  also tells whether the server honours `Range`), the footer, then one range per needed column chunk:
  3 columns x row groups. On the real file (1.57 GB, 2026-09) that is a few dozen requests of the Hub's
  "resolvers" budget per revision, a few hundred for a 24-month backfill; storage-host requests do not
  count against the Hub's API limits.

pyarrow reads the footer we pass it (`ParquetFile(metadata=...)`) and, with `pre_buffer=False`, each
column chunk in one read of exactly its bytes. The columns read are written, row group by row group, to
a small local Parquet file that the dump reader imports as it would the whole file (same rows: the same
columns are read either way, see dumpfile.COUNT_COLUMNS / FULL_COLUMNS).

A server that answers the ranged request with 200 (the whole body) does not honour `Range`: the reader
says so (`RangeIgnored`) before reading that body, and the importer downloads whole files instead.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from huggingface_hub import hf_hub_url
from huggingface_hub.utils import hf_raise_for_status, http_stream_backoff

from atomscope.collect.hub.access import HubAccess
from atomscope.domain.errors import DataValidationError

MAGIC = b"PAR1"
TIMEOUT = 60.0


class RangeIgnored(Exception):
    """The server answered a ranged GET with the whole file (200): it does not honour `Range`."""


class OverBudget(Exception):
    """Reading the footer would pass the bytes left to the run (`--max-bytes`)."""


@dataclass
class RemoteParquet:
    """A Parquet file of one revision whose footer has been read: what reading its columns will cost."""

    repo: str
    revision: str
    path: str
    size: int  # bytes the whole file holds
    metadata: pq.FileMetaData
    footer_bytes: int  # the 8-byte tail and the footer, already read
    columns: list[str]  # top-level columns to read (those of `wanted` the file has)

    @property
    def column_bytes(self) -> int:
        """Bytes of the column chunks of `columns`, over every row group."""
        wanted, total = set(self.columns), 0
        for i in range(self.metadata.num_row_groups):
            group = self.metadata.row_group(i)
            for j in range(group.num_columns):
                chunk = group.column(j)
                if chunk.path_in_schema.split(".")[0] in wanted:
                    total += chunk.total_compressed_size
        return total

    @property
    def read_bytes(self) -> int:
        """Bytes an import of this file reads in all (footer included)."""
        return self.footer_bytes + self.column_bytes


class RangedReader:
    """Ranged reads of one dataset repository's files through one `HfFileSystem`."""

    def __init__(self, access: HubAccess, repo: str, *, on_bytes: Callable[[int], None] | None = None,
                 on_request: Callable[[], None] | None = None) -> None:  # fmt: skip
        self.access, self.repo = access, repo
        self.fs = access.filesystem()
        self._on_bytes = on_bytes or (lambda n: None)
        self._on_request = on_request or (lambda: None)
        self.bytes_read = 0

    def _count(self, n: int) -> None:
        self.bytes_read += n
        self._on_bytes(n)

    def _tail(self, revision: str, path: str, size: int) -> bytes:
        """The last 8 bytes, by a ranged GET that reads no body unless the server answered 206."""
        url = hf_hub_url(self.repo, path, repo_type="dataset", revision=revision, endpoint=self.access.endpoint)
        headers = {**self.access.headers(), "Range": f"bytes={size - 8}-{size - 1}"}
        self._on_request()
        with http_stream_backoff("GET", url, headers=headers, timeout=TIMEOUT) as response:
            if response.status_code == 200:
                raise RangeIgnored(f"{self.access.public} answered a ranged request with the whole file")
            hf_raise_for_status(response)
            body = response.read()
        if response.status_code != 206 or len(body) != 8:
            raise RangeIgnored(f"{self.access.public} answered a ranged request with {len(body)} bytes")
        self._count(8)
        return body

    def _file(self, revision: str, path: str, size: int) -> _CountedFile:
        handle = self.fs.open(f"datasets/{self.repo}@{revision}/{path}", "rb", cache_type="none", size=size)
        return _CountedFile(handle, size, self._count, self._on_request)

    def open(self, revision: str, path: str, size: int, wanted: Sequence[str], *,
             budget: int | None = None) -> RemoteParquet:  # fmt: skip
        """Read the footer of `path` at `revision` (two ranged requests), unless it would read more than
        `budget` bytes (`OverBudget`, raised before the footer is read)."""
        if size < 12:
            raise DataValidationError(path, None, "cannot read the dump: too short to be a Parquet file")
        if budget is not None and budget < 8:
            raise OverBudget(path)
        tail = self._tail(revision, path, size)
        length = int.from_bytes(tail[:4], "little")
        if tail[4:] != MAGIC or not 0 < length <= size - 12:
            raise DataValidationError(path, None, "cannot read the dump: no Parquet footer at the end of the file "
                                                  "(truncated?)")  # fmt: skip
        if budget is not None and 8 + length > budget:
            raise OverBudget(path)
        with self._file(revision, path, size) as handle:
            handle.seek(size - 8 - length)
            footer = handle.read(length)
        try:
            metadata = pq.read_metadata(pa.BufferReader(MAGIC + footer + tail))
        except (pa.ArrowException, OSError) as exc:
            raise DataValidationError(path, None, f"cannot read the dump: {str(exc).splitlines()[0]}") from None
        names = set(metadata.schema.to_arrow_schema().names)
        columns = [c for c in wanted if c in names]
        return RemoteParquet(self.repo, revision, path, size, metadata, 8 + length, columns)

    def fetch(self, remote: RemoteParquet, target: Path) -> int:
        """Write the columns of `remote` to the local Parquet file `target`, row group by row group; returns
        the rows written."""
        rows = 0
        with self._file(remote.revision, remote.path, remote.size) as handle, pa.PythonFile(handle, mode="r") as file:
            source = pq.ParquetFile(file, metadata=remote.metadata, pre_buffer=False)
            try:
                schema = source.schema_arrow
                schema = pa.schema([schema.field(c) for c in remote.columns], metadata=schema.metadata)
                with pq.ParquetWriter(target, schema) as writer:
                    for i in range(remote.metadata.num_row_groups):
                        table = source.read_row_group(i, columns=remote.columns)
                        writer.write_table(table)
                        rows += table.num_rows
            finally:
                source.close()
        return rows


class _CountedFile(io.RawIOBase):
    """An `HfFileSystem` file that counts the bytes it reads and checks each range came back whole."""

    def __init__(self, handle, size: int, count: Callable[[int], None], on_request: Callable[[], None]) -> None:
        super().__init__()
        self._handle, self._size, self._count, self._on_request = handle, size, count, on_request

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._handle.seek(offset, whence)

    def tell(self) -> int:
        return self._handle.tell()

    def read(self, size: int = -1) -> bytes:
        start = self._handle.tell()
        expected = (self._size - start) if size is None or size < 0 else min(size, self._size - start)
        if expected <= 0:
            return b""
        self._on_request()
        data = self._handle.read(expected)
        if len(data) != expected:
            raise RangeIgnored(f"asked {expected} bytes at {start}, got {len(data)}")
        self._count(len(data))
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._handle.close()
        super().close()
