"""One switch, the same marts: `LASTMILE_ENGINE=spark python -m pipelines.run` (scale-out.md).

A small generated company is run through the whole Dagster job twice at once, from the same
landing folder, each in its own LASTMILE_HOME: once with the default engine (dbt on DuckDB, the ci
target) and once with ``LASTMILE_ENGINE=spark`` (ingestion into the build DuckDB file, its raw
tables written to the Parquet lake, dbt-spark in session mode in dbt's own process, local[2],
the marts loaded back, the GX checks, the publish step and the outbox). The served DuckDB files
the two runs publish must hold the same marts: the same columns with the same types, and the
same rows, exactly for counts, ids, text, dates and times, within 1e-9 for ratios (the freshness
board's clock columns aside).

The Spark run leaves out dbt's data tests (345 queries, ~40 % of its dbt time on two cores): on
the same marts a data test gives the same answer on both engines if its SQL runs on Spark, and
every kind of data test (each generic test, the singular ones) is run on Spark's catalog after
the run, beside the unit tests of the engine-specific macros.
Needs ``make spark-setup`` (pyspark, dbt-spark) and Java 17.
"""

import datetime as dt
import decimal
import json
import os
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pytest

from pipelines.config import DBT_PROJECT_DIR, PARTIAL_PARSE, load_settings
from pipelines.engines import SparkWarehouse
from pipelines.transform.dbt import partial_parse_path
from tests.conftest import run
from tests.dbt.test_dbt_build import dbt_test_statuses
from tooling.bench.pipeline import dbt_parse

pytest.importorskip("pyspark", reason="make spark-setup installs pyspark and dbt-spark")
# two whole runs of the job, one of them on Spark (its JVM and ~750 dbt nodes): longer than the
# suite's default timeout on two loaded cores
pytestmark = [pytest.mark.spark, pytest.mark.slow, pytest.mark.timeout(2400)]

# three months of a small company: every mart gets rows, Spark's per-query overhead stays small
SAMPLE = ["--seed", "7", "--scale", "0.02", "--start", "2026-08-01", "--end", "2026-10-31"]
AS_OF = "2026-10-31"
ENGINES = ("duckdb", "spark")
RATIO_TOLERANCE = 1e-9
# columns read off a clock: the build's (freshness_checked_at) and the ingestion's (when each
# file was loaded); the two runs ingest and build minutes apart
CLOCK_COLUMNS = {"ingested_at", "ingested_at_label", "last_loaded_at", "last_loaded_at_label"}
CLOCK_COLUMNS_OF = {
    "fct_source_freshness": {"checked_at", "hours_since_last_loaded_file", "hours_since_label"},
}


def engine_env(home: Path, landing: Path, engine: str) -> dict[str, str]:
    """The environment of one ``python -m pipelines.run`` in its own home (and Dagster
    instance), reading the shared landing folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LASTMILE_", "DAGSTER_HOME"))}
    return dict(
        env,
        LASTMILE_HOME=str(home),
        LASTMILE_LANDING_DIR=str(landing),
        LASTMILE_BUILD_DB=str(home / "warehouse" / "build.duckdb"),
        LASTMILE_SERVE_DB=str(home / "warehouse" / "lastmile.duckdb"),
        LASTMILE_PII_KEY="test-only-pii-key",
        LASTMILE_AS_OF=AS_OF,
        LASTMILE_SETTLE_SECONDS="0",
        LASTMILE_DBT_TARGET="ci",  # the DuckDB run's; LASTMILE_ENGINE=spark builds on `spark`
        LASTMILE_ENGINE=engine,
        DAGSTER_HOME=str(home / "dagster"),
    )


# the Spark run: the job as `python -m pipelines.run` runs it, without dbt's data tests
SPARK_RUN = (
    "import sys; from pipelines.config import load_settings; "
    "from pipelines.run import run_refresh, step_failures, summary; "
    "result = run_refresh(dbt_tests=False); print(summary(load_settings())); "
    "print(*step_failures(result), sep='\\n', file=sys.stderr); "
    "sys.exit(0 if result.success else 1)"
)


def run_pipeline(home: Path, landing: Path, engine: str) -> str:
    env = engine_env(home, landing, engine)
    run([sys.executable, "-m", "pipelines.instance", "write", env["DAGSTER_HOME"]], env)
    if engine == "spark":
        return run([sys.executable, "-c", SPARK_RUN], env)
    return run([sys.executable, "-m", "pipelines.run"], env)


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
def both_engines(tmp_path_factory):
    root = tmp_path_factory.mktemp("engines")
    landing = root / "landing"
    run([sys.executable, "-m", "pipelines.sample", *SAMPLE, "--out", str(landing)])
    # Dagster loads the dbt assets from the manifest (make parse)
    dbt_parse(engine_env(root / "parse", landing, "duckdb"))

    # the two runs at once, each in its own home: the DuckDB run fills the cores while Spark
    # waits on its JVM, its planning and its commits
    def timed(engine: str) -> tuple[str, float]:
        started = time.monotonic()
        return run_pipeline(root / engine, landing, engine), time.monotonic() - started

    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = dict(zip(ENGINES, pool.map(timed, ENGINES), strict=True))
    outputs = {engine: output for engine, (output, _) in runs.items()}
    print("pipelines.run:", {engine: f"{seconds:.0f} s" for engine, (_, seconds) in runs.items()})
    yield root, outputs
    shutil.rmtree(root / "spark" / "spark", ignore_errors=True)


def served(root: Path, engine: str) -> Path:
    return root / engine / "warehouse" / "lastmile.duckdb"


def test_every_mart_is_the_same_on_duckdb_and_on_spark(both_engines):
    root, _ = both_engines
    with duckdb.connect(str(served(root, "duckdb")), read_only=True) as conn:
        conn.execute("set TimeZone = 'UTC'")
        conn.execute(f"attach '{served(root, 'spark')}' as spark (read_only)")
        marts = {
            catalog: [
                row[0]
                for row in conn.execute(
                    "select table_name from information_schema.tables "
                    "where table_catalog = ? and table_schema = 'marts' order by 1",
                    [catalog],
                ).fetchall()
            ]
            for catalog in ("lastmile", "spark")
        }
        assert len(marts["lastmile"]) >= 30
        assert marts["spark"] == marts["lastmile"]
        differences = {}
        for mart in marts["lastmile"]:
            described = {
                catalog: conn.execute(
                    "select column_name, data_type from information_schema.columns "
                    "where table_catalog = ? and table_schema = 'marts' and table_name = ? "
                    "order by ordinal_position",
                    [catalog, mart],
                ).fetchall()
                for catalog in ("lastmile", "spark")
            }
            # the same columns, by name (on Spark a table's partition columns come last: the
            # boards and the outbox name their columns)
            names = {catalog: sorted(c for c, _ in cols) for catalog, cols in described.items()}
            if names["spark"] != names["lastmile"]:
                differences[mart] = f"columns {names['lastmile']} vs {names['spark']}"
                continue
            # the same types whichever engine (every mart is an enforced contract, its types
            # portable): the boards filter and group on them, the bundle declares them
            typed = {catalog: set(cols) for catalog, cols in described.items()}
            if typed["spark"] != typed["lastmile"]:
                on_duckdb = sorted(typed["lastmile"] - typed["spark"])
                on_spark = sorted(typed["spark"] - typed["lastmile"])
                differences[mart] = f"types {on_duckdb} on DuckDB, {on_spark} on Spark"
                continue
            clock = CLOCK_COLUMNS | CLOCK_COLUMNS_OF.get(mart, set())
            columns = [c for c, _ in described["lastmile"] if c not in clock]
            on_duckdb = mart_rows(conn, f'lastmile.marts."{mart}"', columns)
            on_spark = mart_rows(conn, f'spark.marts."{mart}"', columns)
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


def test_the_spark_run_built_on_spark_and_ran_every_step(both_engines):
    """The marts of the Spark run came from Spark (dbt built nothing in its build file, the lake
    and the export exist), and the steps after dbt ran on them: evaluation day, outbox."""
    root, outputs = both_engines
    spark_home = root / "spark"
    lake = spark_home / "spark" / "lake"
    assert (lake / "raw_crm" / "customers.parquet").is_file()
    assert (lake / "ingest" / "file_audit.parquet").is_file()
    assert (lake / "raw_extract" / "wecom_quotes.parquet").is_file()
    assert any((spark_home / "spark" / "export" / "marts").glob("*/*.parquet"))
    found = {}
    for engine in ("duckdb", "spark"):
        build = root / engine / "warehouse" / "build.duckdb"
        with duckdb.connect(str(build), read_only=True) as conn:
            schemas = {
                row[0]
                for row in conn.execute(
                    "select schema_name from information_schema.schemata"
                ).fetchall()
            }
            messages = conn.execute("select message_id, payload from ops.outbox").fetchall()
            evaluated = conn.execute(
                "select evaluation_date from intermediate.int_evaluation_date"
            ).fetchall()
        found[engine] = {"schemas": schemas, "outbox": sorted(messages), "day": evaluated}
        assert f"Served warehouse: {served(root, engine)}" in outputs[engine]
    # dbt on DuckDB builds its views and seeds in the build file; on Spark it never opens it
    assert {"staging", "config"} <= found["duckdb"]["schemas"]
    assert not {"staging", "config"} & found["spark"]["schemas"]
    # the outbox step ran on the marts Spark built (ops.outbox exists): the same messages (on
    # this sample none: its actions pick tasks and flags due from today, after the sample's end)
    assert found["spark"]["outbox"] == found["duckdb"]["outbox"]
    assert found["spark"]["day"] == found["duckdb"]["day"] == [(dt.date(2026, 10, 31),)]
    assert "Evaluated as of: 2026-10-31" in outputs["duckdb"]


def engine_macro_unit_tests(manifest: dict) -> dict[str, str]:
    """Every engine-specific macro (one with a ``spark__`` version) that a unit-tested model uses,
    directly or through other macros → a unit test of such a model, the fewest tests in all."""
    macros = manifest["macros"]
    engine_specific = {
        name.removeprefix("spark__")
        for unique_id in macros
        if (name := unique_id.split(".")[-1]).startswith("spark__")
    }

    def on_spark(unique_id: str) -> list[str]:
        """The macro and what Spark dispatches it to: the manifest records a dispatching macro's
        dependencies as resolved for the adapter that parsed it (DuckDB here, most often)."""
        package, name = unique_id.rsplit(".", 1)
        for prefix in ("spark__", "default__"):
            if f"{package}.{prefix}{name}" in macros:
                return [unique_id, f"{package}.{prefix}{name}"]
        return [unique_id]

    def reached(unique_ids: list[str], seen: set[str]) -> set[str]:
        for unique_id in (u for given in unique_ids for u in on_spark(given)):
            if unique_id not in seen:
                seen.add(unique_id)
                reached(macros.get(unique_id, {}).get("depends_on", {}).get("macros", []), seen)
        return seen

    used_by = {
        node["name"]: {u.split(".")[-1] for u in reached(node["depends_on"]["macros"], set())}
        & engine_specific
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
    }
    # the fewest unit tests that meet them all (each one on Spark costs a minute on two loaded
    # cores): greedily the test meeting most macros not met yet, the first by name on a tie
    meets = {
        test["name"]: used_by.get(test["model"], set()) for test in manifest["unit_tests"].values()
    }
    chosen: dict[str, str] = {}
    while meets:
        best = min(meets, key=lambda name: (-len(meets[name] - chosen.keys()), name))
        new = meets[best] - chosen.keys()
        if not new:
            break
        chosen.update(dict.fromkeys(new, best))
    return chosen


def data_tests_of_each_kind(manifest: dict) -> dict[str, str]:
    """One data test of each generic kind (the first by name) and every singular test: kind or
    singular test name → test name. A generic test's SQL is its macro whatever its arguments."""
    chosen: dict[str, str] = {}
    for node in sorted(manifest["nodes"].values(), key=lambda node: node["name"]):
        if node["resource_type"] == "test":
            kind = (node.get("test_metadata") or {}).get("name") or node["name"]
            chosen.setdefault(kind, node["name"])
    return chosen


def test_every_engine_specific_macro_and_every_kind_of_data_test_passes_on_spark(both_engines):
    """Each engine-specific macro meets Spark in a dbt unit test (of a model using it, the fewest
    tests in all; ``tests/dbt/test_dbt_build.py`` runs all of them on DuckDB), and each kind of
    data test runs on the marts the Spark run built (a unit test reads its inputs' column types
    from that catalog too): the pipeline runs no unit test, and the Spark run here no data test,
    so this is where both meet Spark."""
    root, _ = both_engines
    manifest = json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text())
    chosen = engine_macro_unit_tests(manifest)
    # the macros the models' logic rests on: ratios, ordered lists, regexes, minutes, increments
    assert {"lm_ratio", "lm_listagg", "lm_regexp_replace_all", "minutes_between"} <= set(chosen)
    data_tests = data_tests_of_each_kind(manifest)
    # the generic tests the project's YAML uses, its own among them
    assert {"unique", "not_null", "relationships", "accepted_values"} <= set(data_tests)
    assert {"not_null_columns", "unique_combination_of_columns", "in_vocabulary"} <= set(data_tests)
    env = engine_env(root / "spark", root / "landing", "spark")
    env.update(SparkWarehouse(load_settings(env)).dbt_env([]))
    # the Spark run registered the lake's sources in its catalog: without the lake variable the
    # on-run-start hook leaves them (as on a cluster whose catalog holds them) instead of
    # registering all 31 again
    del env["LASTMILE_SPARK_LAKE"]
    dbt = str(Path(sys.executable).parent / "dbt")
    unit_tests = sorted(set(chosen.values()))
    selected = [*unit_tests, *sorted(data_tests.values())]
    results = root / "unit-tests"
    # the Spark run's saved parse: dbt parses only what the changed variables touch
    results.mkdir()
    shutil.copy2(partial_parse_path(load_settings(env)), results / PARTIAL_PARSE)
    args = ["test", "--select", " ".join(selected), "--target", "spark", "--profiles-dir", "."]
    output = run([dbt, *args, "--target-path", str(results)], env, cwd=DBT_PROJECT_DIR)
    # every chosen test ran and passed (none erred, none was skipped, none warned)
    expected = [
        unique_id
        for unique_id, node in [*manifest["unit_tests"].items(), *manifest["nodes"].items()]
        if node["resource_type"] in ("unit_test", "test") and node["name"] in selected
    ]
    assert dbt_test_statuses(results) == dict.fromkeys(expected, "pass"), output[-3000:]
