"""A run does only what changed since the last published build (``pipelines.changes``): nothing
new is a no-op in seconds; one source's new file runs that source and what is downstream of it;
a new evaluation day runs every model but re-ingests nothing."""

import os
import time
from datetime import date

import dagster as dg
import pytest

from pipelines.changes import plan_run, published_state_path
from pipelines.config import load_settings
from pipelines.run import selected_assets
from tests.conftest import SAMPLE_LAST_DAY
from tests.pipelines.homes import private_home, run_pipeline

SALES_LOGS = dg.AssetKey(["crm", "sales_logs"])
CUSTOMERS = dg.AssetKey(["crm", "customers"])


@pytest.fixture()
def home(pipeline_run, tmp_path):
    assert pipeline_run.result.success
    env = private_home(pipeline_run, tmp_path)
    assert published_state_path(load_settings(env)).exists(), "publish records its baseline"
    return env


def _graph():
    from pipelines.definitions import defs

    return defs().resolve_asset_graph()


def test_nothing_new_is_a_no_op_in_seconds(home):
    settings = load_settings(home)
    served = settings.serve_db.stat()
    # touched, same content: hashed once, still nothing new
    some = next(settings.landing_dir.glob("crm/customers*.csv"))
    os.utime(some, ns=(time.time_ns(), time.time_ns()))
    started = time.monotonic()
    done = run_pipeline(home, 120)
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Nothing new since the build published" in done.stderr
    assert "Served warehouse" in done.stdout  # the summary is still printed
    after = settings.serve_db.stat()
    assert (after.st_ino, after.st_mtime_ns) == (served.st_ino, served.st_mtime_ns)
    assert _runs(home) == []  # no Dagster run was even created
    print(f"no-op run of python -m pipelines.run: {elapsed:.2f} s")
    assert elapsed < 15, f"the no-op took {elapsed:.1f} s"
    # a full refresh always runs: its plan is everything
    assert plan_run(settings, date.fromisoformat(SAMPLE_LAST_DAY), full_refresh=True).everything


def _runs(env):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DAGSTER_HOME", env["DAGSTER_HOME"])
        with dg.DagsterInstance.get() as instance:
            return instance.get_runs()


def test_a_new_evaluation_day_runs_every_model_and_ingests_nothing(home):
    settings = load_settings(home)
    plan = plan_run(settings, date(2026, 10, 30))
    assert plan.date_moved and not plan.changed_tables and not plan.nothing_new
    selected = set(selected_assets(_graph(), plan))
    assert dg.AssetKey(["serving", "lastmile_duckdb"]) in selected
    assert dg.AssetKey(["int_evaluation_date"]) in selected or any(
        "int_evaluation_date" in k.to_user_string() for k in selected
    )
    assert SALES_LOGS not in selected and CUSTOMERS not in selected


def test_a_new_file_of_one_source_runs_only_that_source_and_what_follows(home):
    settings = load_settings(home)
    first = sorted(settings.landing_dir.glob("crm/sales_logs*.csv"))[0]
    lines = first.read_text(encoding="utf-8").splitlines(keepends=True)
    (first.parent / "sales_logs_late.csv").write_text(lines[0] + lines[1], encoding="utf-8")
    plan = plan_run(settings, date.fromisoformat(SAMPLE_LAST_DAY))
    assert plan.changed_tables == {("crm", "sales_logs")} and not plan.date_moved
    graph = _graph()
    selected = set(selected_assets(graph, plan))
    names = {k.to_user_string() for k in selected}
    assert SALES_LOGS in selected and CUSTOMERS not in selected
    assert any("fct_sales_log_compliance" in n for n in names)
    assert not any("fct_receivables_daily" in n for n in names), "not downstream of sales logs"
    assert len(selected) < len(graph.get_all_asset_keys()) / 2

    served = settings.serve_db.stat().st_mtime_ns
    done = run_pipeline(home, 900)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Running only what changed: ingestion of crm.sales_logs" in done.stderr
    assert settings.serve_db.stat().st_mtime_ns != served  # published again
    (run,) = _runs(home)
    assert run.tags["lastmile/changed_tables"] == "crm.sales_logs"
    assert set(run.asset_selection) == selected
    # and now nothing is new again
    again = run_pipeline(home, 120)
    assert "Nothing new since the build published" in again.stderr, again.stderr[-2000:]


def test_a_rewritten_or_vanished_file_changes_its_table_a_junk_file_the_inventory(home):
    settings = load_settings(home)
    day = date.fromisoformat(SAMPLE_LAST_DAY)
    customers = sorted(settings.landing_dir.glob("crm/customers*.csv"))[0]
    (settings.landing_dir / "crm" / "~$notes.csv").write_text("lock", encoding="utf-8")
    customers.write_bytes(customers.read_bytes() + b"\n")  # same rows, other bytes
    assert plan_run(settings, day).changed_tables == {
        ("crm", "customers"),
        ("ingest", "landing_inventory"),
    }
    customers.unlink()
    assert ("crm", "customers") in plan_run(settings, day).changed_tables
