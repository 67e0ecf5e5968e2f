"""Local Apache Spark for ``LASTMILE_ENGINE=spark`` (docs/scale-out.md).

The PyPI ``pyspark`` wheel (``make spark-setup``) holds the whole engine and its Thrift Server. Both
ways of running it locally share one catalog under ``$LASTMILE_HOME/spark``: the settings file
``conf/spark-defaults.conf`` (written here), the Derby metastore, the tables' warehouse folder and
the Parquet lake the raw tables are read from and the folder of the models written back.

- in-process (dbt-spark ``method: session``, ``LASTMILE_ENGINE=spark``'s default): dbt-spark
  starts Spark inside the dbt process the Dagster dbt step runs, reading these settings through
  ``SPARK_CONF_DIR`` (``pipelines.engines.SparkWarehouse``); :func:`session` opens one in this
  process to look at the catalog by hand (never while a build runs);
- a Spark Thrift Server on 127.0.0.1 (``make spark-up`` / ``make spark-down``; dbt-spark
  ``method: thrift``; Superset's ``hive://``).

Derby lets one JVM open the metastore at a time: stop the server before an in-process build.

``python -m pipelines.spark_local conf`` writes the settings file and prints its folder.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from pipelines.config import Settings, load_settings


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
        # Parquet written by Spark (dbt's exported models) holds UTC instants in microseconds,
        # not the legacy INT96
        "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
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
    """The in-process Spark session (started on first call) with the local catalog: the same
    settings as the file, given to the builder (this process's environment is left alone)."""
    settings = settings or load_settings()
    write_conf(settings)  # the catalog's folders, and the file the Thrift Server reads
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("lastmile").enableHiveSupport()
    for key, value in spark_defaults(settings).items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["conf"])
    parser.parse_args(argv)
    print(write_conf(load_settings()))


if __name__ == "__main__":
    main()
