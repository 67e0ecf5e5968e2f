"""The warehouse resource's engines around the dbt build (pipelines/engines.py), without Spark:
what SparkWarehouse writes to the lake before dbt, and how it loads what dbt on Spark wrote back.
The whole Spark run is tests/spark/test_same_marts.py."""

import datetime as dt

import duckdb
import pytest

from pipelines.config import load_settings
from pipelines.engines import (
    DuckDBWarehouse,
    SparkWarehouse,
    relations_read_after_build,
)
from pipelines.resources import Warehouse


@pytest.fixture
def spark_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("LASTMILE_HOME", str(tmp_path))
    monkeypatch.setenv("LASTMILE_BUILD_DB", str(tmp_path / "warehouse" / "build.duckdb"))
    monkeypatch.setenv("LASTMILE_ENGINE", "spark")
    monkeypatch.setenv("LASTMILE_DBT_TARGET", "ci")
    (tmp_path / "warehouse").mkdir()
    return load_settings()


def test_the_switch_picks_the_engine_and_its_dbt_target(spark_settings, monkeypatch):
    assert spark_settings.dbt_target == "spark"  # whatever LASTMILE_DBT_TARGET says
    assert isinstance(Warehouse.from_environment().build_engine(), SparkWarehouse)
    monkeypatch.setenv("LASTMILE_ENGINE", "duckdb")
    assert load_settings().dbt_target == "ci"
    engine = Warehouse.from_environment().build_engine()
    assert type(engine) is DuckDBWarehouse and engine.dbt_env(["marts.x"]) == {}


def test_the_models_read_after_the_build_come_from_the_manifest():
    node = {"resource_type": "model"}
    manifest = {
        "nodes": {
            "a": {**node, "schema": "marts", "name": "fct_a"},
            "b": {**node, "schema": "staging", "name": "stg_b"},
            "c": {**node, "schema": "intermediate", "name": "int_evaluation_date"},
            "d": {"resource_type": "test", "schema": "marts", "name": "not_null_a"},
        }
    }
    assert relations_read_after_build(manifest, ("marts",)) == [
        "intermediate.int_evaluation_date",
        "marts.fct_a",
    ]


def test_spark_gets_its_settings_the_lake_and_what_to_write_back(spark_settings):
    env = SparkWarehouse(spark_settings).dbt_env(["marts.fct_a", "marts.fct_b"])
    assert (spark_settings.spark_dir / "conf" / "spark-defaults.conf").is_file()
    assert env["SPARK_CONF_DIR"] == str(spark_settings.spark_dir / "conf")
    assert env["LASTMILE_SPARK_LAKE"] == str(spark_settings.spark_lake_dir)
    assert env["LASTMILE_SPARK_EXPORT_DIR"] == str(spark_settings.spark_export_dir)
    assert env["LASTMILE_SPARK_EXPORT"] == "marts.fct_a,marts.fct_b"


def test_every_raw_table_and_only_those_goes_to_the_lake(spark_settings):
    engine = SparkWarehouse(spark_settings)
    stale = spark_settings.spark_export_dir / "marts" / "fct_old"
    stale.mkdir(parents=True)
    with duckdb.connect(str(spark_settings.build_db)) as conn:
        conn.execute("create schema raw_crm; create schema ingest; create schema marts")
        conn.execute(
            "create table raw_crm.customers as select 1 as id, timestamp '2026-10-01 08:30' as at"
        )
        conn.execute("create table ingest.file_audit as select 'a.csv' as file_path")
        conn.execute("create table marts.fct_a as select 1 as x")
        conn.execute("create view raw_crm.v as select 1 as x")
        written = engine.before_build(conn)
        lake = spark_settings.spark_lake_dir
        assert written == ["ingest.file_audit", "raw_crm.customers"]
        assert sorted(p.relative_to(lake).as_posix() for p in lake.rglob("*.parquet")) == [
            "ingest/file_audit.parquet",
            "raw_crm/customers.parquet",
        ]
        row = conn.execute(f"select * from '{lake / 'raw_crm' / 'customers.parquet'}'").fetchone()
        assert row == (1, dt.datetime(2026, 10, 1, 8, 30))
    assert not stale.exists()  # a failed build cannot pass the last build's marts off as its own


def test_what_spark_wrote_back_replaces_the_models_with_times_in_utc(spark_settings):
    engine = SparkWarehouse(spark_settings)
    out = spark_settings.spark_export_dir / "marts" / "fct_a"
    out.mkdir(parents=True)
    with duckdb.connect() as writer:  # as Spark writes: UTC instants, one folder of parts
        writer.execute("set TimeZone = 'Asia/Shanghai'")
        writer.execute(
            "copy (select 7 as x, timestamptz '2026-10-01 16:30:00+08' as at, "
            f"date '2026-10-01' as day) to '{out / 'part-0.parquet'}' (format parquet)"
        )
    with duckdb.connect(str(spark_settings.build_db)) as conn:
        conn.execute("create schema marts; create view marts.fct_a as select 0 as x")
        assert engine.after_build(conn, ["marts.fct_a"]) == ["marts.fct_a"]
        assert conn.execute("select * from marts.fct_a").fetchall() == [
            (7, dt.datetime(2026, 10, 1, 8, 30), dt.date(2026, 10, 1))
        ]
        kinds = conn.execute(
            "select data_type from information_schema.columns "
            "where table_name = 'fct_a' order by ordinal_position"
        ).fetchall()
        assert [k for (k,) in kinds] == ["INTEGER", "TIMESTAMP", "DATE"]
        with pytest.raises(RuntimeError, match="marts.fct_missing"):
            engine.after_build(conn, ["marts.fct_a", "marts.fct_missing"])


def test_around_the_build_spark_stages_first_and_loads_back_only_after_a_build(spark_settings):
    engine = SparkWarehouse(spark_settings)
    with duckdb.connect(str(spark_settings.build_db)) as conn:
        conn.execute("create schema raw_crm; create table raw_crm.customers as select 1 as id")
    logged = []
    failed = pytest.raises(RuntimeError, match="dbt failed")  # not "exported no Parquet"
    with failed, engine.around_build(["marts.fct_a"], logged.append) as env:
        assert (spark_settings.spark_lake_dir / "raw_crm" / "customers.parquet").is_file()
        assert env == engine.dbt_env(["marts.fct_a"])
        raise RuntimeError("dbt failed")
    assert logged == ["spark: 1 raw tables written to its lake"]
    with engine.around_build(["marts.fct_a"], logged.append):
        out = spark_settings.spark_export_dir / "marts" / "fct_a"
        out.mkdir(parents=True)
        with duckdb.connect() as writer:
            writer.execute(f"copy (select 7 as x) to '{out / 'part-0.parquet'}' (format parquet)")
    assert logged[-1] == "spark: 1 models loaded into the build file"
    with duckdb.connect(str(spark_settings.build_db), read_only=True) as conn:
        assert conn.execute("select x from marts.fct_a").fetchall() == [(7,)]
    with DuckDBWarehouse(spark_settings).around_build(["marts.fct_a"], logged.append) as env:
        assert env == {}  # DuckDB: dbt builds in the file, nothing around it
