"""A backfill — one run per day, in order, each tagged with its day — ends where a single run as
of its last day does."""

import duckdb
import pytest

from pipelines.evaluation import EVALUATION_TAG
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
