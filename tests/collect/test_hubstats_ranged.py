"""Reading a hub-stats Parquet revision by column: exactly the footer and the chunks needed (SYNTHETIC files)."""

from __future__ import annotations

import io
from datetime import date

import pyarrow.parquet as pq
import pytest
from hub_helpers import small_hub

from atomscope.collect.hub.access import HubAccess
from atomscope.collect.hub.dumpfile import COUNT_COLUMNS, FULL_COLUMNS
from atomscope.collect.hubstats.ranged import OverBudget, RangedReader
from atomscope.testing.hub import DEFAULT_TOKEN, HubEmulator
from atomscope.testing.hub_datasets import DatasetHost
from atomscope.testing.synthetic_hubstats import HubStatsScenario, hubstats_repo


@pytest.fixture(scope="module")
def hub():
    return small_hub(orgs=("Qwen", "allenai", "meta-llama"), per_org=4)


@pytest.mark.parametrize("wanted", [COUNT_COLUMNS, FULL_COLUMNS], ids=["counts", "full"])
def test_a_file_of_several_row_groups_reads_its_footer_and_the_wanted_chunks_only(hub, tmp_path, wanted):
    scenario = HubStatsScenario(date(2025, 7, 1), date(2025, 7, 1), row_group_rows=8, datasets_commits=False)
    host = DatasetHost(hubstats_repo(hub, scenario))
    repo = next(iter(host.repos.values()))
    sha = repo.commits[-1].sha
    content = repo.tree(len(repo.commits) - 1)["models.parquet"].content
    whole = pq.ParquetFile(io.BytesIO(content))
    assert whole.metadata.num_row_groups >= 4
    with HubEmulator(hub, datasets=host) as emu:
        reader = RangedReader(HubAccess.resolve(emu.url, token=DEFAULT_TOKEN), repo.repo_id)
        remote = reader.open(sha, "models.parquet", len(content), wanted)
        assert host.bytes_served == remote.footer_bytes == 8 + whole.metadata.serialized_size
        reader.fetch(remote, tmp_path / "slim.parquet")
        with pytest.raises(OverBudget):  # the footer alone would pass what is left: nothing read
            reader.open(sha, "models.parquet", len(content), wanted, budget=remote.footer_bytes - 1)
    assert host.bytes_served == reader.bytes_read == remote.read_bytes + 8  # + the tail of the refused open
    assert set(remote.columns) == set(wanted) & set(whole.schema_arrow.names)
    assert pq.read_table(tmp_path / "slim.parquet").equals(whole.read(columns=remote.columns))
