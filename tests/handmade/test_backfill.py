"""A backfill — one run per day, in order, each tagged with its day — ends where a single run as
of its last day does."""

import duckdb
import pytest

from pipelines.config import DBT_PROJECT_DIR
from pipelines.evaluation import EVALUATION_TAG
from pipelines.jobs import DBT_ASSETS_NAME
from tests.handmade.company import EVALUATION_DAY
from tests.handmade.conftest import new_home
from tests.warehouses import rows_only_in_each


@pytest.fixture(scope="module")
def backfilled(tmp_path_factory, dbt_manifest):
    home = new_home(tmp_path_factory.mktemp("backfill"))
    home.run("--as-of", "2026-03-24", "--through", EVALUATION_DAY.isoformat())
    return home


def test_each_day_is_its_own_run(backfilled):
    runs = backfilled.runs()
    assert [r.tags[EVALUATION_TAG] for r in runs] == ["2026-03-24", "2026-03-25"]
    assert all(r.is_success for r in runs)


def test_the_second_day_starts_from_the_warehouses_dbt_parse(backfilled):
    """dbt parses the project whole once per warehouse: the second day's build starts from the
    parse the first saved beside the build file (the one in dbt_project/target was made for
    another build file, so it would be parsed again, ~12 s)."""
    first, second = backfilled.runs()
    assert backfilled.build_db.with_name("build.duckdb.partial_parse.msgpack").is_file()

    def dbt_log(run) -> str:
        folders = (DBT_PROJECT_DIR / "target").glob(f"{DBT_ASSETS_NAME}-{run.run_id[:7]}-*")
        return "".join(log.read_text("utf-8") for f in folders for log in f.glob("dbt.log*"))

    assert "Unable to do partial parsing" in dbt_log(first)
    assert "Partial parsing enabled" in dbt_log(second)
    assert "Unable to do partial parsing" not in dbt_log(second)


def test_the_last_day_equals_a_single_run_as_of_it(backfilled, handmade):
    with duckdb.connect() as conn:
        conn.execute(f"attach '{backfilled.serve_db}' as backfill (read_only)")
        conn.execute(f"attach '{handmade.serve_db}' as single (read_only)")
        tables = [
            name
            for (name,) in conn.execute(
                "select table_name from information_schema.tables "
                "where table_catalog = 'single' and table_schema = 'marts' order by 1"
            ).fetchall()
        ]
        assert len(tables) > 20
        differences = {}
        for table in tables:
            counts = rows_only_in_each(conn, "backfill", "single", f"marts.{table}")
            if any(counts):
                differences[table] = counts
        health_days = conn.execute(
            "select max(health_date) from backfill.marts.fct_customer_health_daily"
        ).fetchone()[0]
    assert differences == {}
    assert health_days == EVALUATION_DAY
