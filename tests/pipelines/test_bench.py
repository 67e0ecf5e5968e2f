"""The benchmark's pure parts (tooling/bench): statistics, /proc parsing, phase attribution,
drill filters, target verdicts, report rendering, and the volume generator on a tiny company,
whose synthetic files must load through the real ingestion engine without a quarantined row.
Nothing here times anything: the targets are reported by `make bench`, never asserted."""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines.config import CONTRACT_PATH
from pipelines.ingest.contract import load_contract
from pipelines.ingest.discovery import scan_landing
from pipelines.ingest.engine import ingest_table
from tests.conftest import run
from tooling.bench import report as R
from tooling.bench import volume as V
from tooling.bench.__main__ import (
    DatasetSpec,
    parse_datasets,
    parse_superset_on,
    sample_window,
    superset_target,
    superset_targets,
)
from tooling.bench.machine import cpu_model
from tooling.bench.pipeline import Home, check_landed, landed_files_audit, phase_of, phase_seconds
from tooling.bench.procmon import descendants, parse_meminfo, parse_stat
from tooling.bench.stats import percentile, summarize
from tooling.bench.superset import drill_filters, load_boards

# --- statistics ---------------------------------------------------------------------------------


def test_percentile_interpolates_between_closest_ranks() -> None:
    assert percentile([4, 1, 3, 2], 50) == 2.5
    assert percentile([7], 95) == 7
    assert percentile(list(range(1, 21)), 95) == pytest.approx(19.05)
    assert percentile([1, 2, 3], 0) == 1 and percentile([1, 2, 3], 100) == 3
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1], 101)
    assert summarize([1, 2, 3, 4]) == {"n": 4, "p50": 2.5, "p95": 3.85, "min": 1.0,
                                       "max": 4.0, "mean": 2.5}  # fmt: skip


# --- /proc ----------------------------------------------------------------------------------------


def test_proc_parsing() -> None:
    # a command name with spaces and parentheses: fields count from the last ")"
    assert parse_stat("1234 (dbt (worker) 1) S 77 1200 1200 0 -1 4194560") == (77, 1200)
    info = parse_meminfo(
        "MemTotal:       24686000 kB\nMemAvailable:    1000 kB\nHugePages_Total: 0\n"
    )
    assert info == {"MemTotal": 24686000 * 1024, "MemAvailable": 1000 * 1024, "HugePages_Total": 0}
    table = {10: (1, 5), 11: (10, 7), 12: (11, 9), 13: (1, 100)}
    assert descendants(table, 10) == {10, 11, 12}
    assert cpu_model("processor\t: 0\nmodel name\t: AMD EPYC 7B13\n") == "AMD EPYC 7B13"


# --- phases ---------------------------------------------------------------------------------------


def test_steps_are_attributed_to_phases() -> None:
    ingest = {"crm__customers", "crm__sales_logs", "ingest__landing_inventory"}
    assert phase_of("crm__customers", ingest) == "ingestion"
    assert phase_of("ingest__landing_inventory", ingest) == "ingestion"
    assert phase_of("crm__customers_gx_raw_crm__customers", ingest) == "checks"
    assert phase_of("marts__fct_red_alerts_gx_marts__fct_red_alerts", ingest) == "checks"
    assert phase_of("freshness_check_97cee632", ingest) == "checks"
    assert phase_of("lastmile_dbt", ingest) == "dbt"
    assert phase_of("serving__lastmile_duckdb", ingest) == "publish"
    assert phase_of("extract__wecom_quotes", ingest) == "extract"
    assert phase_of("ops__outbox", ingest) == "outbox"
    assert phase_of("something_new", ingest) == "other steps"
    seconds = phase_seconds(
        {"crm__customers": (10.0, 12.5), "crm__sales_logs": (13.0, 14.0), "lastmile_dbt": (15, 45)},
        ingest,
    )
    assert seconds["ingestion"] == 3.5 and seconds["dbt"] == 30 and seconds["publish"] == 0


def test_a_home_keeps_the_pipeline_away_from_other_settings(tmp_path: Path) -> None:
    env = Home(tmp_path / "scale1").env(
        {"PATH": "/bin", "LASTMILE_DAGSTER_PG_URL": "postgresql+psycopg2://x",
         "SUPERSET_HOME": "/x", "LASTMILE_LANDING_DIR": "/demo/landing",
         "LASTMILE_DBT_TARGET": "ci"}
    )  # fmt: skip
    assert "LASTMILE_DAGSTER_PG_URL" not in env and "SUPERSET_HOME" not in env
    assert env["LASTMILE_LANDING_DIR"] == str(tmp_path / "scale1" / "landing")
    assert env["DAGSTER_HOME"] == str(tmp_path / "scale1" / "dagster")
    assert env["LASTMILE_DBT_TARGET"] == "ci" and env["PATH"] == "/bin"


def test_dataset_names() -> None:
    specs = parse_datasets("scale1, scale10,sales10m", 10_000_000, 1.0)
    assert [s.name for s in specs] == ["scale1", "scale10", "sales10m"]
    assert parse_datasets("scale0.1,sales10m", 200_000, 0.1)[1] == DatasetSpec(
        "sales", 0.1, 200_000
    )
    assert parse_datasets("scale0.1,sales10m", 200_000, 0.1)[1].name == "sales200k"
    with pytest.raises(ValueError):
        parse_datasets("scale1,bogus", 1, 1)
    assert sample_window(date(2026, 10, 31)) == (date(2025, 11, 1), date(2026, 10, 31))


def test_superset_is_measured_on_each_listed_dataset() -> None:
    assert parse_superset_on("scale1,sales10m") == ["scale1", "sales10m"]
    assert parse_superset_on(" Sales10M , scale1,,scale1 ") == ["sales10m", "scale1"]
    for bad in ("", " , ", "scale1,bogus", "scale"):
        with pytest.raises(ValueError):
            parse_superset_on(bad)
    specs = parse_datasets("scale1,scale10,sales10m", 200_000, 1.0)  # the variant is sales200k
    scale1, scale10, sales = specs
    assert superset_targets(specs, ["scale1", "sales10m"]) == [scale1, sales]
    assert superset_targets(specs, ["sales", "scale10", "scale1.0"]) == [sales, scale10, scale1]
    # a name not run is left out; none run: the first scale dataset, as before
    assert superset_targets(specs[1:], ["scale1", "sales10m"]) == [sales]
    assert superset_targets(specs[1:2], ["scale1", "sales10m"]) == [scale10]
    assert superset_target(specs, "sales10m,scale1") == sales  # the rush's: the first


def test_the_command_line_lists_superset_datasets(tmp_path: Path) -> None:
    from tooling.bench.__main__ import parse_args

    assert parse_args(["--workdir", str(tmp_path)]).superset_names == ["scale1", "sales10m"]
    args = parse_args(["--workdir", str(tmp_path), "--superset-on", "sales10m, scale10"])
    assert args.superset_names == ["sales10m", "scale10"]
    with pytest.raises(SystemExit):
        parse_args(["--workdir", str(tmp_path), "--superset-on", "scale1;sales10m"])


def test_the_first_superset_dataset_keeps_its_place_the_others_go_beside_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``main`` with the runs stubbed: which dataset measures what, and where it lands."""
    import tooling.bench.__main__ as B

    calls: list[tuple[str, bool, bool]] = []

    def dataset(self, spec, superset, first=True):
        calls.append((spec.name, superset, first))
        out = {"name": spec.name, "kind": spec.kind, "scale": spec.scale, "runs": {}}
        if superset:
            out["superset"] = {"dataset": spec.name, "skipped": f"stub {spec.name}"}
            if first:
                out["landing_latency"] = {"status": "not measured", "reason": "stub"}
        return out

    monkeypatch.setattr(B.Bench, "dataset", dataset)
    monkeypatch.setattr(B.Bench, "sales_dataset", dataset)
    import tooling.bench.engines as E

    engine_run = {"ok": True, "wall_s": 1.0, "peak_rss_mb": 1.0, "phases": {}}
    engines = {
        "scale": 0.1,
        "window": ["2026-01-01", "2026-12-31"],
        "seed": 42,
        "marts": 1,
        "runs": {"duckdb": engine_run, "spark": engine_run},
        "different_counts": [],
    }
    monkeypatch.setattr(E, "measure", lambda *args, **kwargs: engines)
    monkeypatch.setattr(B, "machine_info", dict)
    monkeypatch.setattr(B, "software_versions", dict)
    monkeypatch.setattr(B.signal, "signal", lambda *args: None)  # leave pytest's SIGTERM alone
    out = tmp_path / "out"
    argv = ["--datasets", "scale1,scale10,sales10m", "--superset-on", "sales10m,scale1,scale5",
            "--skip-ingest", "--workdir", str(tmp_path / "work"), "--out", str(out)]  # fmt: skip
    assert B.main(argv) == 0
    assert calls == [("scale1", True, False), ("scale10", False, False), ("sales10m", True, True)]
    results = json.loads((out / "benchmarks.json").read_text())
    assert results["superset"]["dataset"] == "sales10m"
    assert list(results["superset_more"]) == ["scale1"]
    assert results["superset_more"]["scale1"]["skipped"] == "stub scale1"
    assert any("--superset-on scale5: not among the datasets" in n for n in results["notes"])
    markdown = (out / "benchmarks.md").read_text()
    assert "## Superset on scale1\n\nNot measured: stub scale1." in markdown
    # the engines phase comes last, its section merged into the report just written
    assert markdown.count(E.ENGINES_BEGIN) == 1 and markdown.rstrip().endswith(E.ENGINES_END)
    assert results["engines"]["runs"]["spark"]["ok"] is True


# --- the drill path ---------------------------------------------------------------------------


def test_drill_filters_follow_the_click_path() -> None:
    drill = next(board for board in load_boards() if board.slug == "drill-through")
    columns = [
        {"month_start", "region_name"},
        {"region_name"},
        {"region_name", "opportunity_id"},
        {"region_name", "opportunity_id", "customer_name"},
        {"opportunity_id"},
    ]
    assert len(drill.charts) == len(columns)
    filters = drill_filters(drill.charts, columns, {"region_name": "华东", "opportunity_id": "OP1"})
    cols = [[f["col"] for f in chart] for chart in filters]
    assert cols[0] == []  # the first chart of the path is never filtered
    assert cols[2] == ["region_name"]  # top opportunities: after a region click
    assert cols[3] == ["region_name", "opportunity_id"]  # communications: after both clicks
    assert cols[4] == ["opportunity_id"]  # a dataset without the column is not filtered on it
    assert filters[2][0] == {"col": "region_name", "op": "IN", "val": ["华东"]}


# --- targets and the report ---------------------------------------------------------------------


def _results(sales_logs: int = 10_000_000, requested: int = 10_000_000) -> dict:
    full = {"ok": True, "wall_s": 55.0, "startup_s": 9.0, "peak_rss_mb": 900.0,
            "phases": {"ingestion": 10.0, "dbt": 30.0, "checks": 3.0, "publish": 1.0,
                       "extract": 1.0, "outbox": 0.5, "other steps": 0.0},
            "between_steps_s": 0.5, "ingested": {"rows_read": 446_000}, "ingest_rows_per_s": 44_600,
            "rows_per_wall_s": 8_100,
            "slowest_dbt_models": [{"model": "marts/fct_x", "seconds": 9.0}]}  # fmt: skip
    incremental = dict(full, wall_s=7.0, dbt_full_rebuild=None)
    return {
        "date": "2026-11-27T12:00:00+00:00",
        "command": "python -m tooling.bench",
        "commit": "abc1234",
        "machine": {"cpu_model": "AMD EPYC", "cores": 2, "ram_mb": 23_000, "swap_mb": 0},
        "datasets": [
            {"name": "scale1", "kind": "scale", "scale": 1.0, "description": "sample company",
             "runs": {"full": full, "incremental": incremental, "noop": dict(full, wall_s=5.0)},
             "incremental_share": 7 / 55, "noop_share": 5 / 55,
             "new_day_description": "2026-11-27: 33 sales logs"},
            {"name": f"sales{R.human_count(sales_logs)}", "kind": "sales", "scale": 1.0,
             "sales_logs": sales_logs, "requested_sales_logs": requested,
             "size_reason": "10,000,000: memory guard", "runs": {"full": dict(full, wall_s=700.0,
                                                                              peak_rss_mb=5000.0)},
             "incremental_share": 0.2},
        ],
        "superset": {"dataset": "scale1", "drill_board": "业绩穿透",
                     "drill_values": {"region_name": "华东", "opportunity_id": "OP1"},
                     "chart_data": [
                         {"step": 1, "chart": "区域业绩", "variant": "board load", "rows": 12,
                          "p50_ms": 80.0, "p95_ms": 150.0, "max_ms": 170.0, "n": 20},
                         {"step": 3, "chart": "前三大商机", "variant": "after drill click",
                          "rows": 3, "p50_ms": 150.0, "p95_ms": 260.0, "max_ms": 300.0, "n": 20}],
                     "boards": [{"board": "客户健康", "slug": "customer-health", "charts": 8,
                                 "first_ms": 4000.0, "runs_ms": [2500.0, 2600.0, 3500.0],
                                 "median_ms": 2600.0, "max_ms": 3500.0}]},
        "landing_latency": {"status": "not measured", "reason": "no daemon yet"},
        "notes": ["a note"],
    }  # fmt: skip


def test_targets_are_judged_not_asserted() -> None:
    results = _results()
    verdicts = {t["target"]: t["verdict"] for t in R.targets(results)}
    assert verdicts["full build at scale 1 ≤ 45 s"] == "not met"  # 55 s
    assert verdicts["full build at scale 10 ≤ 3 min"] == "not measured"  # not in this run
    assert verdicts["10M sales logs: full build ≤ 5 min"] == "not met"
    assert verdicts["10M sales logs: peak memory ≤ 4 GB"] == "not met"
    # the shares are targets at scale 10 and on the 10M sales logs; at scale 1 reported only
    assert verdicts["one new day ≤ 15 % of the full build (scale1)"] == "reported"  # 12.7 %
    assert verdicts["one new day ≤ 15 % of the full build (sales10m)"] == "not met"
    assert verdicts["nothing new ≤ 10 % of the full build (scale1)"] == "reported"  # 9.1 %
    assert verdicts["nothing new ≤ 10 % of the full build (sales10m)"] == "not measured"
    assert verdicts["drill step ≤ 200 ms p95: 1. 区域业绩 (board load)"] == "met"
    assert verdicts["drill step ≤ 200 ms p95: 3. 前三大商机 (after drill click)"] == "not met"
    assert verdicts["board drawn ≤ 3 s: 客户健康 (median)"] == "met"
    assert R.verdict(None, 1) == "not measured" and R.verdict(1, 1) == "met"
    # issue 16's bar, each in one place, and the labels written from it
    assert R.FULL_BUILD_S == {1: 45, 10: 180} and R.SALES_10M_S == 300
    assert (R.INCREMENTAL_SHARE, R.NOOP_SHARE) == (0.15, 0.10)
    assert (R.DRILL_P95_MS, R.BOARD_MS, R.SALES_10M_MB) == (200, 3000, 4096)
    results["datasets"][0]["scale"] = 10.0
    results["datasets"][0]["noop_share"] = 6 / 55  # 10.9 %
    results["datasets"][0]["runs"]["full"]["wall_s"] = 179.0
    verdicts = {t["target"]: t["verdict"] for t in R.targets(results)}
    assert verdicts["full build at scale 10 ≤ 3 min"] == "met"
    assert verdicts["full build at scale 1 ≤ 45 s"] == "not measured"
    assert verdicts["nothing new ≤ 10 % of the full build (scale1)"] == "not met"  # judged now
    assert verdicts["one new day ≤ 15 % of the full build (scale1)"] == "met"  # 12.7 %
    results["datasets"][0]["incremental_share"] = 9 / 55  # 16.4 %
    verdicts = {t["target"]: t["verdict"] for t in R.targets(results)}
    assert verdicts["one new day ≤ 15 % of the full build (scale1)"] == "not met"


def test_a_smaller_sales_variant_is_reported_with_its_reason() -> None:
    fallback = {t["target"]: t for t in R.targets(_results(sales_logs=5_000_000))}
    wall = fallback["10M sales logs: full build ≤ 5 min"]
    assert wall["verdict"] == "not met" and "5,000,000" in wall["note"]
    assert "memory guard" in wall["note"]
    by_request = {t["target"]: t for t in R.targets(_results(200_000, requested=200_000))}
    assert by_request["10M sales logs: full build ≤ 5 min"]["verdict"] == "not measured"
    assert "by request" in by_request["10M sales logs: full build ≤ 5 min"]["note"]


def test_a_new_day_the_run_did_not_ingest_is_flagged_never_judged() -> None:
    """The silent no-op: the one-new-day run loaded nothing; its share is not reported as met."""
    from tooling.bench.__main__ import notes_for

    results = _results()
    scale1 = results["datasets"][0]
    problem = "crm/sales_logs_2026-11-27.csv: not in ingest.file_audit (ingestion never read it)"
    scale1["runs"]["incremental"]["new_day"] = {
        "ok": False, "files": 2, "rows_written": 70, "rows_loaded": 0, "problems": [problem]
    }  # fmt: skip
    scale1["incremental_invalid"] = f"the one-new-day run did not ingest the new day: {problem}"
    del scale1["incremental_share"]
    results["targets"] = R.targets(results)
    row = next(t for t in results["targets"]
               if t["target"] == "one new day ≤ 15 % of the full build (scale1)")  # fmt: skip
    assert row["verdict"] == "not measured" and row["note"].startswith("INVALID: ")
    assert problem in row["note"]
    results["notes"] = notes_for(results)
    assert results["notes"][0].startswith("NOT MEASURED — scale1: the one-new-day run did not")
    markdown = R.render_markdown(results)
    assert "INVALID: the new day was not ingested" in markdown  # the runs table's status
    assert f"**NO** (not an increment's time): {problem}" in markdown


def test_each_extra_superset_dataset_has_its_section_and_targets() -> None:
    results = _results()
    more = json.loads(json.dumps(results["superset"]))  # the same structure, on the 10M file
    more["dataset"] = "sales10m"
    more["chart_data"][0]["p95_ms"] = 420.0
    more["boards"][0]["median_ms"] = 3200.0
    skipped = {"skipped": "the full build of scale10 did not succeed"}
    results["superset_more"] = {"sales10m": more, "scale10": skipped}
    results["targets"] = R.targets(results)
    verdicts = {t["target"]: t["verdict"] for t in results["targets"]}
    # the first dataset's targets keep their names
    assert verdicts["drill step ≤ 200 ms p95: 1. 区域业绩 (board load)"] == "met"
    assert verdicts["board drawn ≤ 3 s: 客户健康 (median)"] == "met"
    assert verdicts["drill step ≤ 200 ms p95 on sales10m: 1. 区域业绩 (board load)"] == "not met"
    assert verdicts["drill step ≤ 200 ms p95 on sales10m: 3. 前三大商机 (after drill click)"] == (
        "not met"
    )
    assert verdicts["board drawn ≤ 3 s on sales10m: 客户健康 (median)"] == "not met"
    assert verdicts["each drill step ≤ 200 ms p95 on scale10"] == "not measured"
    assert verdicts["each board drawn ≤ 3 s on scale10"] == "not measured"

    markdown = R.render_markdown(results)
    main, rest = markdown.split("## Superset on sales10m\n", 1)
    extra, rest = rest.split("## Superset on scale10\n", 1)
    assert "On the **scale1** dataset's served file" in main
    assert "On the **sales10m** dataset's served file" in extra
    assert "### Drill path (业绩穿透)" in extra and "### Boards drawn in headless Chromium" in extra
    assert "| 1 | 区域业绩 | board load | 12 | 80 | 420 | 170 | not met |" in extra
    assert "| 客户健康 | ? | 8 | 4,000 | 3,200 | 3,500 | not met |" in extra
    assert rest.lstrip().startswith("Not measured: the full build of scale10 did not succeed.")
    assert (
        "| drill step ≤ 200 ms p95 on sales10m: 1. 区域业绩 (board load) | 420 ms | **not met**"
        in (markdown)
    )


def test_report_renders_every_section() -> None:
    results = _results()
    results["targets"] = R.targets(results)
    markdown = R.render_markdown(results)
    for heading in ("## Machine", "## Targets", "## Datasets", "## Pipeline runs, per phase",
                    "## Incremental against full", "## Superset", "### Drill path",
                    "### Boards drawn in headless Chromium", "## Landing → boards",
                    "## Notes"):  # fmt: skip
        assert heading in markdown, heading
    assert "| scale1 | full (`--full-refresh`) | 55.0 | 9.0 | 10.0 |" in markdown
    assert "12.7 %" in markdown  # incremental share
    assert "**not met**" in markdown and "**met**" in markdown
    assert "Not measured: no daemon yet." in markdown
    assert json.loads(R.render_json(results))["targets"] == results["targets"]
    # a run where nothing was measured still renders
    assert "## Targets" in R.render_markdown({"targets": R.targets({})})


# --- the volume generator -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_company(tmp_path_factory: pytest.TempPathFactory) -> Path:
    landing = tmp_path_factory.mktemp("bench_company") / "landing"
    run([sys.executable, "-m", "pipelines.sample", "--seed", "3", "--scale", "0.05", "--start",
         "2025-11-01", "--end", "2026-10-31", "--out", str(landing)])  # fmt: skip
    return landing


def test_synthetic_rows_are_real_rows_with_new_ids_and_times(tiny_company: Path) -> None:
    pool = V.load_sales_log_pool(tiny_company)
    manifest = json.loads((tiny_company / "_manifest.json").read_text())
    defects = [d for d in manifest["defects"] if d["file"].startswith("crm/sales_logs")]
    assert defects and pool.height < sum(
        f["rows"] for f in manifest["files"] if f["table"] == "crm.sales_logs"
    )
    months = list(V.synth_sales_logs(pool, 2_000, date(2025, 11, 1), date(2026, 10, 31), 1, "SLV"))
    frame = pl.concat(frame for _, frame in months)
    assert frame.height == 2_000 and frame[V.LOG_ID].n_unique() == 2_000
    assert frame[V.LOG_ID][0] == "SLV000000001"
    assert [m for m, _ in months] == sorted({m for m, _ in months}) and len(months) == 12
    stamps = frame[V.LOG_AT].str.strptime(pl.Datetime, "%Y-%m-%d %H:%M:%S")
    assert str(stamps.min().date()) >= "2025-11-01" and str(stamps.max().date()) <= "2026-10-31"
    assert stamps.is_sorted()
    # every other column is a pool row's, unchanged
    others = [c for c in pool.columns if c not in (V.LOG_ID, V.LOG_AT)]
    assert frame.select(others).join(pool.select(others).unique(), on=others, how="anti",
                                     nulls_equal=True).height == 0  # fmt: skip
    # deterministic for a seed
    again = pl.concat(f for _, f in V.synth_sales_logs(pool, 2_000, date(2025, 11, 1),
                                                       date(2026, 10, 31), 1, "SLV"))  # fmt: skip
    assert again.equals(frame)
    assert V.average_per_day(730, date(2025, 11, 1), date(2026, 10, 31)) == 2


def test_pools_read_only_the_files_the_manifest_lists(tiny_company: Path, tmp_path: Path) -> None:
    """The 10M pool held ~15 GB when it read every sales-log file under landing (the bulk files
    included): a pool is the sample's own files, whatever else lands beside them."""
    manifest = json.loads((tiny_company / "_manifest.json").read_text())
    listed = {f["path"] for f in manifest["files"]}
    logs_before, messages_before = (
        V.load_sales_log_pool(tiny_company),
        V.load_message_pool(tiny_company),
    )
    bulk = V.write_bulk_sales_logs(tiny_company, 500, date(2025, 11, 1), date(2026, 10, 31),
                                   tag="pooltest", id_prefix="SLP")  # fmt: skip
    day = V.write_day_messages(tiny_company, date(2026, 11, 3), 20, seed=5)
    stray = tiny_company / "crm" / "sales_logs_stray.csv"
    V.write_csv_like_crm(logs_before.head(3).with_columns(pl.lit("STRAY").alias(V.LOG_ID)), stray)
    assert not (set(bulk.files) | set(day.files) | {"crm/sales_logs_stray.csv"}) & listed
    try:
        logs_after, messages_after = (
            V.load_sales_log_pool(tiny_company),
            V.load_message_pool(tiny_company),
        )
        assert logs_after.equals(logs_before) and messages_after == messages_before
        assert not logs_after[V.LOG_ID].str.starts_with("SLP").any()
        assert "STRAY" not in logs_after[V.LOG_ID].to_list()
        assert not any(m[V.MSG_ID].startswith("wxmsgD") for m in messages_after)
        # every pool row comes from a listed file: the manifest's rows, less its defect rows
        sales = [f["path"] for f in manifest["files"] if f["path"].startswith("crm/sales_logs")]
        assert V.sample_files(manifest, V.SALES_LOG_GLOB) == sorted(sales)
        assert logs_after.height <= sum(f["rows"] for f in manifest["files"] if f["path"] in sales)
    finally:
        for rel in [*bulk.files, *day.files, "crm/sales_logs_stray.csv"]:
            (tiny_company / rel).unlink()
    # a file planted whole as unreadable is no part of a pool
    planted = {"files": [{"path": "crm/sales_logs.csv"}, {"path": "crm/sales_logs_gbk.csv"},
                         {"path": "crm/customers.csv"}],
               "defects": [{"file": "crm/sales_logs_gbk.csv", "row": None,
                            "expect": "file_error"}]}  # fmt: skip
    assert V.sample_files(planted, V.SALES_LOG_GLOB) == ["crm/sales_logs.csv"]
    # without the manifest there is no pool: the landing tree alone cannot say what is the sample's
    copy = tmp_path / "landing" / "crm"
    copy.mkdir(parents=True)
    (copy / "sales_logs.csv").write_bytes((tiny_company / sales[0]).read_bytes())
    with pytest.raises(ValueError, match="_manifest.json is missing"):
        V.load_sales_log_pool(tmp_path / "landing")


def test_synthetic_files_load_through_the_contract(tiny_company: Path, tmp_path: Path) -> None:
    """Bulk monthly files and one new day (sales logs and WeCom messages): every row loads."""
    bulk = V.write_bulk_sales_logs(tiny_company, 3_000, date(2025, 11, 1), date(2026, 10, 31))
    day = date(2026, 11, 1)
    logs = V.write_day_sales_logs(tiny_company, day, 40, seed=2)
    messages = V.write_day_messages(tiny_company, day, 30, seed=2)
    assert bulk.rows == 3_000 and logs.rows == 40 and messages.rows == 30
    assert (tiny_company / bulk.files[0]).read_bytes().startswith(b"\xef\xbb\xbf")

    contract = load_contract(CONTRACT_PATH)
    wanted = {("crm", "sales_logs"), ("wecom", "messages")}
    needed, todo = set(), list(wanted)
    while todo:
        key = todo.pop()
        if key not in needed:
            needed.add(key)
            todo += next(t for t in contract.tables if t.key == key).referenced_tables()
    with duckdb.connect(str(tmp_path / "build.duckdb")) as conn:
        results = {
            t.key: ingest_table(conn, contract, t, tiny_company)
            for t in contract.ordered_tables()
            if t.key in needed
        }
    synthetic = set(bulk.files + logs.files + messages.files)
    loaded = [f for key in wanted for f in results[key].files if f.path in synthetic]
    assert {f.path for f in loaded} == synthetic
    for f in loaded:
        assert f.status == "loaded" and f.rows_quarantined == 0 and f.rows_duplicate == 0, f
    assert sum(f.rows_loaded for f in loaded) == 3_000 + 40 + 30

    # the bench's check of a one-new-day run reads that audit: the day is there, every row read
    landed = {logs.files[0]: 40, messages.files[0]: 30}
    check = check_landed(landed, landed_files_audit(tmp_path / "build.duckdb", list(landed)))
    assert check["ok"] and check["rows_loaded"] == 70 and check["problems"] == []
    # a day ingestion never read (the silent no-op), or read short, is named
    missing = dict(landed, **{"crm/sales_logs_2026-11-02.csv": 40})
    check = check_landed(missing, landed_files_audit(tmp_path / "build.duckdb", list(missing)))
    assert not check["ok"] and check["problems"] == [
        "crm/sales_logs_2026-11-02.csv: not in ingest.file_audit (ingestion never read it)"
    ]
    short = dict(landed, **{logs.files[0]: 41})
    check = check_landed(short, landed_files_audit(tmp_path / "build.duckdb", list(short)))
    assert not check["ok"] and "40 rows read of 41 written" in check["problems"][0]
    assert not check_landed(landed, landed_files_audit(tmp_path / "none.duckdb", list(landed)))[
        "ok"
    ]


def test_backdated_files_are_past_the_settle_time_ingestion_applies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file just written is "still being written" for ingestion's discovery; backdated by the
    bench past the settle time it reads, the same discovery accepts it."""
    contract = load_contract(CONTRACT_PATH)
    # the tests run with LASTMILE_SETTLE_SECONDS=0; a bench run's environment drops it, so the
    # contract's settle time is the one its runs apply
    assert os.environ.get("LASTMILE_SETTLE_SECONDS") == "0"
    settle = V.settle_seconds(Home(tmp_path / "scale1").env())
    assert settle == contract.landing.settle_seconds > 0
    assert V.settle_seconds({"LASTMILE_SETTLE_SECONDS": "3600"}) == 3600
    monkeypatch.delenv("LASTMILE_SETTLE_SECONDS")

    landing, rel = tmp_path / "landing", "crm/sales_logs_2026-11-01.csv"
    path = landing / rel
    path.parent.mkdir(parents=True)
    path.write_text(f"{V.LOG_ID},{V.LOG_AT}\r\nSLD1,2026-11-01 09:00:00\r\n", encoding="utf-8")
    before = scan_landing(landing, contract.landing)
    assert [(s.rel, s.code) for s in before.skipped] == [(rel, "still_being_written")]
    assert before.files == []

    now = time.time()
    V.backdate([path], settle + 1, now=now)
    assert path.stat().st_mtime == pytest.approx(now - settle - 1, abs=0.01)
    after = scan_landing(landing, contract.landing)
    assert [f.rel for f in after.files] == [rel] and after.skipped == []
    with pytest.raises(ValueError):
        V.backdate([path], -1)


def test_only_memory_and_time_limits_shrink_the_sales_variant(tmp_path: Path) -> None:
    from tooling.bench.__main__ import size_limit

    log = tmp_path / "full.log"
    log.write_text("… duckdb.OutOfMemoryException: Out of Memory Error: failed to allocate …")
    assert size_limit({"ok": True}) is None
    assert "memory guard" in size_limit({"ok": False, "aborted": "memory guard: 18,000 MB"})
    assert "lack of memory" in size_limit({"ok": False, "returncode": 1, "log": str(log)})
    assert "killed" in size_limit({"ok": False, "returncode": -9})
    log.write_text("dbt: Compilation Error in model fct_x")
    assert size_limit({"ok": False, "returncode": 1, "log": str(log)}) is None


# --- the ingestion phase ------------------------------------------------------------------------


def _ingestion(ratio: float = 2.5, wall: float = 55.0, peak: float = 1500.0, logs=10_000_000):
    return {"company_scale": 1.0,
            "clean_csv": {"rows": 1_000_000, "file_mb": 190.0, "read_csv_s": [0.4, 0.5, 0.45],
                          "ingest_s": [1.1, 1.2, 1.0], "read_csv_median_s": 0.45,
                          "ingest_median_s": 1.1, "ratio": ratio, "ingest_rows_per_s": 9e5,
                          "insert_untyped_s": [0.61, 0.62, 0.6], "floor_ratio": 2.37},
            "sales_logs": {"sales_logs": logs, "landing_files": 160, "landing_mb": 1900.0,
                           "ok": True, "aborted": None, "wall_s": wall, "peak_rss_mb": peak,
                           "rows_read": logs + 400_000, "rows_loaded": logs + 390_000,
                           "rejected_files": 0, "rows_per_s": 180_000.0}}  # fmt: skip


def test_ingestion_targets_are_judged_not_asserted() -> None:
    verdicts = [t["verdict"] for t in R.ingestion_targets(_ingestion())]
    assert verdicts == ["met", "met", "met"]
    verdicts = [t["verdict"] for t in R.ingestion_targets(_ingestion(3.4, 75.0, 2100.0))]
    assert verdicts == ["not met", "not met", "not met"]
    smaller = R.ingestion_targets(_ingestion(logs=200_000))
    assert [t["verdict"] for t in smaller[1:]] == ["not measured", "not measured"]
    assert "200,000" in smaller[1]["note"]
    failed = R.ingestion_targets({"clean_csv": {"error": "boom"}, "sales_logs": {"ok": False,
                                  "aborted": "memory guard: 2,500 MB"}})  # fmt: skip
    assert [t["verdict"] for t in failed] == ["not measured", "not met", "not met"]
    assert {t["target"] for t in R.targets({"ingestion": _ingestion()})} >= {
        t["target"] for t in R.ingestion_targets(_ingestion())
    }


def write_ingestion(out: Path, ingestion: dict, **stamp: str) -> str:
    """The ingestion section written as ``--ingest-only`` writes it; the report afterwards."""
    section = R.render_ingestion(ingestion, **stamp)
    R.write_section(out, "ingestion", ingestion, section, R.INGESTION_BEGIN, R.INGESTION_END, stamp)
    return (out / "benchmarks.md").read_text(encoding="utf-8")


def test_the_ingestion_section_replaces_only_itself(tmp_path: Path) -> None:
    baseline = "# Benchmarks\n\n## Targets\n\n| a |\n\n## Notes\n\n- kept\n"
    (tmp_path / "benchmarks.md").write_text(baseline, encoding="utf-8")
    (tmp_path / "benchmarks.json").write_text('{"datasets": ["kept"]}', encoding="utf-8")
    merged = write_ingestion(tmp_path, _ingestion(), date="d1", command="c", commit="abc")
    assert merged.startswith(baseline.rstrip("\n")) and "2.50×" in merged and "d1" in merged
    assert "| 0.61, 0.62, 0.60 | 2.37× |" in merged  # the floor beside the ratio
    again = write_ingestion(tmp_path, _ingestion(ratio=2.9), date="d2", command="c", commit="abd")
    assert again.startswith(baseline.rstrip("\n")) and "2.90×" in again and "2.50×" not in again
    assert again.count(R.INGESTION_BEGIN) == 1 and again.count(R.INGESTION_END) == 1
    data = json.loads((tmp_path / "benchmarks.json").read_text(encoding="utf-8"))
    assert data["datasets"] == ["kept"] and data["ingestion"]["commit"] == "abd"
    assert data["ingestion"]["clean_csv"]["ratio"] == 2.9
    assert "## Ingestion" in R.render_markdown({"ingestion": _ingestion(), "targets": []})


def test_the_engines_section_is_rendered_and_merged_once():
    from tooling.bench import engines as E

    run = {"ok": True, "wall_s": 39.4, "peak_rss_mb": 991.0, "phases": {"dbt": 25.2}}
    result = {
        "scale": 0.1,
        "window": ["2025-12-07", "2026-12-06"],
        "seed": 42,
        "runs": {"duckdb": run, "spark": dict(run, wall_s=187.0, ok=False, returncode=1)},
        "marts": 36,
        "different_counts": ["fct_red_alerts"],
    }
    section = E.render(result, date="2026-12-07", command="python -m tooling.bench", commit="abc")
    assert "| duckdb | ok | 39 | 25 | – | 991 |" in section
    assert "| spark | FAILED (1) | 187 |" in section
    assert "differ in fct_red_alerts" in section
    once = R.merge_section("# Benchmarks\n\nbefore\n", section, E.ENGINES_BEGIN, E.ENGINES_END)
    twice = R.merge_section(once, section.replace("187", "190"), E.ENGINES_BEGIN, E.ENGINES_END)
    assert twice.count(E.ENGINES_BEGIN) == 1 and "| 190 |" in twice and "before" in twice
