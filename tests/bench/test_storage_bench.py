"""`make bench`'s object-store part measures on a real S3 API beside the local disk."""

from __future__ import annotations

from bench import storage


def test_storage_bench_reports_each_figure_beside_the_local_disk():
    rows = storage.run(rounds=3)
    assert [row.measure.split(":")[0] for row in rows] == ["DONE → stored", "gallery", "video seek"]
    for row in rows:
        assert row.value.endswith(" ms") and row.baseline.endswith(" ms")
