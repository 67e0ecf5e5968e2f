"""Local Apache Spark for ``LASTMILE_ENGINE=spark`` (docs/scale-out.md).

The PyPI ``pyspark`` wheel (``make spark-setup``) holds the whole engine and its Thrift Server. Both
ways of running it locally share one catalog under ``$LASTMILE_HOME/spark``: the settings file
``conf/spark-defaults.conf`` (written here), the Derby metastore, the tables' warehouse folder and
the Parquet lake the raw tables are read from.

- in-process (dbt-spark ``method: session``, CI and one machine): :func:`session`, then
  :func:`dbt_build` in the same process so dbt-spark reuses that session;
- a Spark Thrift Server on 127.0.0.1 (``make spark-up`` / ``make spark-down``; dbt-spark
  ``method: thrift``; Superset's ``hive://``).

Derby lets one JVM open the metastore at a time: stop the server before an in-process build.

``python -m pipelines.spark_local conf`` writes the settings file and prints its folder.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from pipelines.config import DBT_PROJECT_DIR, Settings, load_settings


def spark_defaults(settings: Settings) -> dict[str, str]:
    """The static settings of local Spark, in-process or Thrift Server alike."""
    home = settings.spark_dir
    return {
        "spark.master": os.environ.get("LASTMILE_SPARK_MASTER", "local[2]"),
        "spark.driver.memory": os.environ.get("LASTMILE_SPARK_DRIVER_MEMORY", "2g"),
        "spark.sql.catalogImplementation": "hive",
        "spark.sql.warehouse.dir": str(home / "warehouse"),
        "spark.hadoop.javax.jdo.option.ConnectionURL": (
            f"jdbc:derby:;databaseName={home / 'metastore_db'};create=true"
        ),
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={home / 'logs'}",
        # the raw tables' timestamps are wall-clock times (DuckDB TIMESTAMP, written to Parquet
        # without a zone): read them as TIMESTAMP in a UTC session, as DuckDB's dbt build does,
        # rather than as TIMESTAMP_NTZ
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.parquet.inferTimestampNTZ.enabled": "false",
        # incremental facts: insert_overwrite replaces only the partitions the increment holds
        "spark.sql.sources.partitionOverwriteMode": "dynamic",
        # small data on few cores: few shuffle partitions, no web UI
        "spark.sql.shuffle.partitions": os.environ.get("LASTMILE_SPARK_SHUFFLE_PARTITIONS", "4"),
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
    }


def write_conf(settings: Settings) -> Path:
    """Write ``$LASTMILE_HOME/spark/conf/spark-defaults.conf``; return the conf folder."""
    conf_dir = settings.spark_dir / "conf"
    conf_dir.mkdir(parents=True, exist_ok=True)
    (settings.spark_dir / "logs").mkdir(parents=True, exist_ok=True)
    lines = [f"{key} {value}" for key, value in spark_defaults(settings).items()]
    (conf_dir / "spark-defaults.conf").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return conf_dir


def session(settings: Settings | None = None):
    """The in-process Spark session (started on first call) with the local catalog."""
    settings = settings or load_settings()
    os.environ["SPARK_CONF_DIR"] = str(write_conf(settings))
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("lastmile").enableHiveSupport()
    for key, value in spark_defaults(settings).items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def register_lake(spark, lake_dir: Path) -> list[str]:
    """Register every ``<lake>/<schema>/<table>`` Parquet folder or file as the Spark table
    ``<schema>.<table>`` (the names dbt's sources use); return the tables registered."""
    tables = []
    for schema_dir in sorted(p for p in Path(lake_dir).iterdir() if p.is_dir()):
        spark.sql(f"create database if not exists `{schema_dir.name}`")
        for path in sorted(schema_dir.iterdir()):
            name = path.name.removesuffix(".parquet")
            qualified = f"`{schema_dir.name}`.`{name}`"
            spark.sql(f"drop table if exists {qualified}")
            spark.sql(f"create table {qualified} using parquet location '{path.resolve()}'")
            tables.append(f"{schema_dir.name}.{name}")
    return tables


def dbt_build(args: list[str], target_path: Path | None = None) -> object:
    """``dbt <args> --target spark`` in this process (so a ``session`` target reuses
    :func:`session`'s Spark); return dbt's result, raising when dbt could not run."""
    from dbt.cli.main import dbtRunner

    cli = [*args, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
    cli += ["--target", "spark"]
    if target_path is not None:
        cli += ["--target-path", str(target_path)]
    result = dbtRunner().invoke(cli)
    if result.exception is not None:
        raise result.exception
    return result


def export_schema(spark, schema: str, out_dir: Path) -> list[str]:
    """Write every table of a Spark schema as the Parquet folder ``<out_dir>/<table>/``
    (timestamps as microseconds since the epoch in UTC, not Spark's legacy INT96)."""
    spark.conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
    names = [row.tableName for row in spark.sql(f"show tables in `{schema}`").collect()]
    for name in names:
        frame = spark.table(f"`{schema}`.`{name}`").coalesce(1)
        frame.write.mode("overwrite").parquet(str(out_dir / name))
    return names


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["conf", "build"])
    parser.add_argument("--lake", type=Path, help="build: Parquet lake of the raw tables")
    parser.add_argument("--target-path", type=Path, help="build: dbt's target folder")
    parser.add_argument("--export-marts", type=Path, help="build: write the marts here")
    parser.epilog = "build: dbt's arguments after -- (default: build)"
    argv = list(sys.argv[1:] if argv is None else argv)
    dbt_args = argv[argv.index("--") + 1 :] if "--" in argv else []
    args = parser.parse_args(argv[: argv.index("--")] if "--" in argv else argv)
    settings = load_settings()
    if args.command == "conf":
        print(write_conf(settings))
        return
    spark = session(settings)
    tables = register_lake(spark, args.lake or settings.spark_dir / "lake")
    print(f"registered {len(tables)} raw tables")
    result = dbt_build(dbt_args or ["build"], target_path=args.target_path)
    if args.export_marts is not None:
        names = export_schema(spark, "marts", args.export_marts)
        print(f"exported {len(names)} marts to {args.export_marts}")
    raise SystemExit(0 if result.success else 1)


if __name__ == "__main__":
    main()
