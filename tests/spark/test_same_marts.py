"""The same dbt project on DuckDB and on Apache Spark gives the same marts (LASTMILE_ENGINE=spark).

A small generated company is ingested with the existing engine into DuckDB and built there with
dbt (the ci target); its raw tables are exported to a Parquet lake, registered as Spark tables and
built again with dbt-spark in session mode (Spark in a child process, local[2]). Every mart must
match: the same rows, exactly for counts, ids, text, dates and times, within 1e-9 for ratios
(docs/scale-out.md). Needs ``make spark-setup`` (pyspark, dbt-spark) and Java 17.
"""

import datetime as dt
import decimal
import os
import shutil
import sys
import time
from pathlib import Path

import duckdb
import pytest

from pipelines.config import DBT_PROJECT_DIR, REPO_ROOT
from pipelines.extract.quotes import load_patterns, write_wecom_quotes
from tests.conftest import run

pytest.importorskip("pyspark", reason="make spark-setup installs pyspark and dbt-spark")
pytestmark = [pytest.mark.spark, pytest.mark.slow]

# three months of a small company: every mart gets rows, Spark's per-query overhead stays small
SAMPLE = ["--seed", "7", "--scale", "0.02", "--start", "2026-08-01", "--end", "2026-10-31"]
AS_OF = "2026-10-31"
RATIO_TOLERANCE = 1e-9
BUILD = ["build", "--exclude-resource-type", "test", "unit_test"]
# columns read off the build's own clock (freshness_checked_at): the two builds run minutes apart
CLOCK_COLUMNS = {
    "fct_source_freshness": {"checked_at", "hours_since_last_loaded_file", "hours_since_label"},
}


def export_raw_tables(build_db: Path, lake: Path) -> list[str]:
    """Every raw and ingest table of the DuckDB build file as ``<lake>/<schema>/<table>.parquet``
    (what the Spark warehouse resource will write itself: issue 17)."""
    tables = []
    with duckdb.connect(str(build_db), read_only=True) as conn:
        rows = conn.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_type = 'BASE TABLE' "
            "and (table_schema like 'raw\\_%' escape '\\' or table_schema = 'ingest')"
        ).fetchall()
        for schema, table in rows:
            (lake / schema).mkdir(parents=True, exist_ok=True)
            target = lake / schema / f"{table}.parquet"
            conn.execute(f'copy "{schema}"."{table}" to \'{target}\' (format parquet)')
            tables.append(f"{schema}.{table}")
    return tables


def normalise(value):
    """A cell as Python compares it: numbers apart (compared with a tolerance), times naive UTC."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def same_cell(left, right) -> bool:
    if left is None or right is None:
        return left is None and right is None
    if isinstance(left, float | decimal.Decimal) or isinstance(right, float | decimal.Decimal):
        if isinstance(left, bool) or isinstance(right, bool):
            return left == right
        return abs(float(left) - float(right)) <= RATIO_TOLERANCE * max(1.0, abs(float(left)))
    return normalise(left) == normalise(right)


def mart_rows(conn, relation: str, columns: list[str]) -> list[tuple]:
    select = ", ".join(f'"{column}"' for column in columns)
    return conn.execute(f"select {select} from {relation} order by all").fetchall()


@pytest.fixture(scope="module")
def built_on_both(tmp_path_factory):
    home = tmp_path_factory.mktemp("spark_home")
    env = dict(
        os.environ,
        LASTMILE_HOME=str(home),
        LASTMILE_LANDING_DIR=str(home / "landing"),
        LASTMILE_BUILD_DB=str(home / "warehouse" / "build.duckdb"),
        LASTMILE_SERVE_DB=str(home / "warehouse" / "lastmile.duckdb"),
        LASTMILE_PII_KEY="test-only-pii-key",
        LASTMILE_AS_OF=AS_OF,
        LASTMILE_SETTLE_SECONDS="0",
    )
    timings = {}
    started = time.monotonic()
    run([sys.executable, "-m", "pipelines.sample", *SAMPLE, "--out", str(home / "landing")], env)
    run([sys.executable, "-m", "pipelines.ingest"], env)
    with duckdb.connect(env["LASTMILE_BUILD_DB"]) as conn:
        write_wecom_quotes(conn, load_patterns())
    timings["sample + ingest"] = time.monotonic() - started

    started = time.monotonic()
    dbt = str(Path(sys.executable).parent / "dbt")
    run(
        [dbt, *BUILD, "--profiles-dir", ".", "--target", "ci"]
        + ["--target-path", str(home / "target_duckdb")],
        dict(env, LASTMILE_DBT_TARGET="ci"),
        cwd=DBT_PROJECT_DIR,
    )
    timings["dbt on DuckDB"] = time.monotonic() - started

    started = time.monotonic()
    lake = home / "spark" / "lake"
    export_raw_tables(Path(env["LASTMILE_BUILD_DB"]), lake)
    spark_marts = home / "spark_marts"
    run(
        [sys.executable, "-m", "pipelines.spark_local", "build", "--lake", str(lake)]
        + ["--target-path", str(home / "target_spark"), "--export-marts", str(spark_marts)]
        + ["--", *BUILD],
        dict(env, LASTMILE_ENGINE="spark", LASTMILE_DBT_TARGET="spark"),
        cwd=REPO_ROOT,
    )
    timings["export + dbt on Spark (session)"] = time.monotonic() - started
    print("timings:", {name: f"{seconds:.0f} s" for name, seconds in timings.items()})
    yield Path(env["LASTMILE_BUILD_DB"]), spark_marts
    shutil.rmtree(home / "spark", ignore_errors=True)


def test_every_mart_is_the_same_on_duckdb_and_on_spark(built_on_both):
    build_db, spark_marts = built_on_both
    with duckdb.connect(str(build_db), read_only=True) as conn:
        conn.execute("set TimeZone = 'UTC'")
        marts = [
            row[0]
            for row in conn.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' "
                "order by 1"
            ).fetchall()
        ]
        assert len(marts) >= 30
        assert sorted(p.name for p in spark_marts.iterdir()) == marts
        differences = {}
        for mart in marts:
            columns = [
                row[0]
                for row in conn.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = 'marts' and table_name = ? order by ordinal_position",
                    [mart],
                ).fetchall()
                if row[0] not in CLOCK_COLUMNS.get(mart, set())
            ]
            on_duckdb = mart_rows(conn, f'marts."{mart}"', columns)
            on_spark = mart_rows(conn, f"read_parquet('{spark_marts / mart}/*.parquet')", columns)
            if len(on_duckdb) != len(on_spark):
                differences[mart] = f"{len(on_duckdb)} rows on DuckDB, {len(on_spark)} on Spark"
                continue
            for left, right in zip(on_duckdb, on_spark, strict=True):
                unequal = [
                    f"{name}: {a!r} vs {b!r}"
                    for name, a, b in zip(columns, left, right, strict=True)
                    if not same_cell(a, b)
                ]
                if unequal:
                    differences[mart] = f"first differing row: {'; '.join(unequal[:4])}"
                    break
        assert not differences, "\n".join(f"{m}: {d}" for m, d in differences.items())
