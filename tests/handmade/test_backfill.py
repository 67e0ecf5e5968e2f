"""A backfill — one run per day, in order, each tagged with its day — ends where a single run as
of its last day does."""

import duckdb
import pytest

from pipelines.evaluation import EVALUATION_TAG
from tests.handmade.company import EVALUATION_DAY
from tests.handmade.conftest import new_home


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
        conn.execute(f"attach '{backfilled.served}' as backfill (read_only)")
        conn.execute(f"attach '{handmade.served}' as single (read_only)")
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
            # every column but when the rows were loaded (the two homes landed at other times)
            columns = ", ".join(
                f'"{name}"'
                for (name,) in conn.execute(
                    "select column_name from information_schema.columns where table_catalog = "
                    "'single' and table_schema = 'marts' and table_name = ? "
                    "and column_name not like '%ingested_at' order by ordinal_position",
                    [table],
                ).fetchall()
            )
            counts = [
                conn.execute(
                    f"select count(*) from (select {columns} from {a}.marts.{table} "
                    f"except all select {columns} from {b}.marts.{table})"
                ).fetchone()[0]
                for a, b in (("backfill", "single"), ("single", "backfill"))
            ]
            if any(counts):
                differences[table] = counts
        health_days = conn.execute(
            "select max(health_date) from backfill.marts.fct_customer_health_daily"
        ).fetchone()[0]
    assert differences == {}
    assert health_days == EVALUATION_DAY
