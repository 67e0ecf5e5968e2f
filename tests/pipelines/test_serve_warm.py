"""`make serve` warms the chart cache once Superset is up and after each publish."""

from __future__ import annotations

import os
from pathlib import Path

from pipelines import serve


class _Proc:
    def __init__(self) -> None:
        self.running = True

    def poll(self):
        return None if self.running else 0


def test_a_warming_per_served_file_one_at_a_time(tmp_path: Path, monkeypatch) -> None:
    started: list[list[str]] = []

    def fake_start(cmd):
        started.append(cmd)
        return _Proc()

    monkeypatch.setattr(serve, "start", fake_start)
    served = tmp_path / "lastmile.duckdb"
    warmer = serve.CacheWarmer(served, 8123)

    def tick() -> None:
        warmer.next_check = 0  # no waiting between polls in the test
        warmer.poll()

    tick()
    assert started == []  # nothing published yet
    served.write_bytes(b"v1")
    tick()
    assert len(started) == 1 and started[0][-1] == "http://127.0.0.1:8123"
    assert started[0][1] == "dashboards/warm.py"
    tick()
    assert len(started) == 1  # same file: no second warming

    # a publish while a warming runs is warmed once it ends
    staging = tmp_path / "staging"
    staging.write_bytes(b"v2, longer")
    os.replace(staging, served)
    tick()
    assert len(started) == 1
    warmer.proc.running = False
    tick()
    assert len(started) == 2
    assert warmer.stop() == [warmer.proc]
