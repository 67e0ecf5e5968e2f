"""Determinism, sizes and the command line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pipelines.sample import Config, generate
from pipelines.sample.__main__ import main, parse_args
from pipelines.sample.company import build_company
from tests.sample.conftest import ARGS


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_same_seed_and_arguments_give_identical_bytes(landing, tmp_path):
    again = tmp_path / "again"
    generate(Config(**ARGS, out=again, defect_rate=0.02, file_defects=True))
    assert _tree(again) == _tree(landing)


def test_another_seed_gives_another_company():
    a = build_company(Config(seed=1, scale=0.2))
    b = build_company(Config(seed=2, scale=0.2))
    assert [c.name for c in a.customers] != [c.name for c in b.customers]


@pytest.mark.parametrize(
    "scale, sellers, customers", [(1, 30, 2000), (2, 60, 4000), (0.15, 12, 300)]
)
def test_scale_multiplies_reps_and_customers(scale, sellers, customers):
    co = build_company(Config(scale=scale))
    in_squads = [p for p in co.people if p.sells and (p.hired < co.cfg.start)]
    assert abs(len(in_squads) - sellers) <= max(2, sellers * 0.1)
    assert len(co.customers) == customers
    if scale == 1:
        assert len(co.regions) == 3 and len(co.squads) == 6
        assert [p.role for p in co.people].count("sales_director") == 1
        assert all(s.lead_id for s in co.squads)


def test_the_landing_has_a_year_of_everything(landing, manifest):
    by_table: dict[str, int] = {}
    for f in manifest["files"]:
        if f["table"]:
            by_table[f["table"]] = by_table.get(f["table"], 0) + f["rows"]
    assert len(by_table) == 28
    assert all(n > 0 for n in by_table.values()), by_table
    months = {
        f["path"][-12:-5] for f in manifest["files"] if f["path"].startswith("wecom/messages_")
    }
    assert len(months) == 12


def test_cli_validates_its_arguments(capsys):
    cfg = parse_args(
        ["--seed", "3", "--scale", "0.2", "--start", "2026-01-01", "--end", "2026-06-30"]
    )
    assert cfg.seed == 3 and cfg.scale == 0.2 and cfg.start == date(2026, 1, 1)
    assert not cfg.file_defects and cfg.defect_rate == 0.01
    with pytest.raises(SystemExit):
        parse_args(["--start", "2026-06-30", "--end", "2026-01-01"])


def test_cli_refuses_to_overwrite_a_folder_it_did_not_write(tmp_path):
    (tmp_path / "precious.txt").write_text("keep me")
    with pytest.raises(SystemExit):
        main(["--scale", "0.1", "--out", str(tmp_path)])
    assert (tmp_path / "precious.txt").read_text() == "keep me"
