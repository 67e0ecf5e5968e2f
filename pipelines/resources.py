"""Dagster resources: the build warehouse (one writer at a time) and the paths around it.

The ``Warehouse`` resource is the build DuckDB file, whichever engine builds the models
(``LASTMILE_ENGINE``, docs/scale-out.md). Ingestion, the extract step, the GX checks, the outbox
and the publish step always read and write that file. What differs is where dbt builds, and that
is :meth:`Warehouse.build_engine`:

- :class:`DuckDBWarehouse` (``duckdb``, the default): dbt builds in the same file; nothing to do
  around the build.
- :class:`SparkWarehouse` (``spark``): before dbt runs, every raw table (schemas ``raw_*`` and
  ``ingest``) is written from the file into the Parquet lake (``$LASTMILE_HOME/spark/lake``); dbt
  on Spark registers the lake as its sources (``on-run-start``) and writes the models the later
  steps read — the marts and ``int_evaluation_date`` — back as Parquet (``on-run-end``,
  ``$LASTMILE_HOME/spark/export``); after dbt, those are loaded into the same schemas of the
  build file, so the GX checks, the outbox and the publish step run unchanged on Spark's results.

Its config fields are the settings of :mod:`pipelines.config` — the paths, the dbt target, the
engine and the PII key — so the Dagster UI shows them: ``definitions.py`` binds each to its
environment variable with ``dg.EnvVar``, read when a run starts. Outside Dagster (the CLI, the
tests), :meth:`Warehouse.from_environment` reads the same variables.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from pydantic import Field

from pipelines.config import PII_KEY_ENV, SETTINGS_ENV, Settings, load_settings, pii_key

# Every step that opens the build DuckDB file runs in this pool; its limit is 1 (see dagster.yaml),
# because DuckDB allows one read-write process per file and the lock does not wait.
BUILD_DB_POOL = "duckdb_build"

# the Warehouse's config fields → the environment variables they are read from
WAREHOUSE_ENV = {**SETTINGS_ENV, "pii_key": PII_KEY_ENV}

# the schemas of the raw tables dbt reads as sources (ingestion, extraction and the audit)
RAW_SCHEMA_FILTER = "(table_schema like 'raw\\_%' escape '\\' or table_schema = 'ingest')"
# models read after the build besides the published marts: the day they were built for
# (pipelines.evaluation.built_evaluation_date, read by the publish step)
READ_AFTER_BUILD = ("int_evaluation_date",)


def relations_read_after_build(manifest: dict, schemas: tuple[str, ...]) -> list[str]:
    """``schema.model`` of every model the steps after dbt read: those in ``schemas`` (the
    published marts) and :data:`READ_AFTER_BUILD`, from the manifest (no name lists)."""
    return sorted(
        f"{node['schema']}.{node['name']}"
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and (node["schema"] in schemas or node["name"] in READ_AFTER_BUILD)
    )


class DuckDBWarehouse:
    """dbt builds in the build DuckDB file itself."""

    name = "duckdb"

    def __init__(self, settings: Settings):
        self.settings = settings

    def dbt_env(self, relations: list[str]) -> dict[str, str]:
        return {}

    def before_build(self, conn: duckdb.DuckDBPyConnection) -> list[str]:
        return []

    def after_build(self, conn: duckdb.DuckDBPyConnection, relations: list[str]) -> list[str]:
        return []


class SparkWarehouse(DuckDBWarehouse):
    """dbt builds on Spark (the dbt target ``spark``) from the Parquet lake; its results come
    back to the build file as Parquet."""

    name = "spark"

    def dbt_env(self, relations: list[str]) -> dict[str, str]:
        """The variables dbt on Spark reads: Spark's settings (``SPARK_CONF_DIR``: the session
        dbt-spark starts in its own process reads them), the lake its sources are registered
        from, where to write the models the later steps read, and which."""
        from pipelines.spark_local import write_conf

        return {
            "SPARK_CONF_DIR": str(write_conf(self.settings)),
            "LASTMILE_SPARK_LAKE": str(self.settings.spark_lake_dir),
            "LASTMILE_SPARK_EXPORT_DIR": str(self.settings.spark_export_dir),
            "LASTMILE_SPARK_EXPORT": ",".join(relations),
        }

    def before_build(self, conn: duckdb.DuckDBPyConnection) -> list[str]:
        """Write every raw table of the build file as ``<lake>/<schema>/<table>.parquet``
        (TIMESTAMP as written: wall-clock times Spark reads in its UTC session); return them."""
        # a failed build must not leave the previous build's models to be loaded as this one's
        shutil.rmtree(self.settings.spark_export_dir, ignore_errors=True)
        lake = self.settings.spark_lake_dir
        rows = conn.execute(
            "select table_schema, table_name from information_schema.tables "
            f"where table_type = 'BASE TABLE' and {RAW_SCHEMA_FILTER} order by 1, 2"
        ).fetchall()
        for schema, table in rows:
            (lake / schema).mkdir(parents=True, exist_ok=True)
            target = lake / schema / f"{table}.parquet"
            partial = target.with_name(f"{target.name}.{os.getpid()}.tmp")
            conn.execute(f'copy "{schema}"."{table}" to \'{partial}\' (format parquet)')
            os.replace(partial, target)
        return [f"{schema}.{table}" for schema, table in rows]

    def after_build(self, conn: duckdb.DuckDBPyConnection, relations: list[str]) -> list[str]:
        """Load every exported model into the same ``schema.model`` of the build file (replacing
        what was there); Spark's timestamps (UTC instants) become TIMESTAMP in UTC, as DuckDB's
        build gives them. Return the relations loaded; raise when one was not exported."""
        missing = [r for r in relations if not exported_files(self.settings.spark_export_dir, r)]
        if missing:
            raise RuntimeError(
                f"dbt on Spark exported no Parquet for {', '.join(missing)} under "
                f"{self.settings.spark_export_dir}: did its on-run-end hook run?"
            )
        conn.execute("set TimeZone = 'UTC'")
        for relation in relations:
            schema, name = relation.split(".", 1)
            files = exported_files(self.settings.spark_export_dir, relation)
            source = f"read_parquet({[str(f) for f in files]!r})"
            columns = conn.execute(f"describe select * from {source}").fetchall()
            select = ", ".join(
                f'timezone(\'UTC\', "{column}") as "{column}"'
                if kind.startswith("TIMESTAMP WITH TIME ZONE")
                else f'"{column}"'
                for column, kind, *_ in columns
            )
            conn.execute(f'create schema if not exists "{schema}"')
            drop_relation(conn, schema, name)
            conn.execute(f'create table "{schema}"."{name}" as select {select} from {source}')
        return relations


def exported_files(export_dir: Path, relation: str) -> list[Path]:
    """The Parquet files dbt on Spark wrote for ``schema.model`` (none: not exported)."""
    folder = export_dir / Path(*relation.split(".", 1))
    return sorted(folder.glob("*.parquet")) if folder.is_dir() else []


def drop_relation(conn: duckdb.DuckDBPyConnection, schema: str, name: str) -> None:
    found = conn.execute(
        "select table_type from information_schema.tables "
        "where table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchone()
    if found is not None:
        kind = "view" if found[0] == "VIEW" else "table"
        conn.execute(f'drop {kind} "{schema}"."{name}"')


ENGINES = {"duckdb": DuckDBWarehouse, "spark": SparkWarehouse}


class Warehouse(dg.ConfigurableResource):
    """The build DuckDB file and where dbt builds. An unset field takes the default its
    environment variable has when unset (pipelines/config.py)."""

    home: str | None = Field(
        default=None,
        description="LASTMILE_HOME: the installation's folder; the paths below default under it "
        "(default: <repo>/var)",
    )
    landing_dir: str | None = Field(
        default=None,
        description="LASTMILE_LANDING_DIR: where the source systems' extracts land "
        "(default: <home>/landing)",
    )
    build_db: str | None = Field(
        default=None,
        description="LASTMILE_BUILD_DB: the build DuckDB file ingestion, dbt, the checks and the "
        "outbox write (default: <home>/warehouse/build.duckdb)",
    )
    serve_db: str | None = Field(
        default=None,
        description="LASTMILE_SERVE_DB: the published DuckDB file Superset reads "
        "(default: <home>/warehouse/lastmile.duckdb)",
    )
    dbt_target: str | None = Field(
        default=None,
        description="LASTMILE_DBT_TARGET: the profiles.yml output dbt builds with "
        "(default: dev; always spark when the engine is spark)",
    )
    engine: str | None = Field(
        default=None,
        description=f"LASTMILE_ENGINE: where dbt builds, one of {', '.join(ENGINES)} "
        "(default: duckdb; docs/scale-out.md)",
    )
    pii_key: str | None = Field(
        default=None,
        description="LASTMILE_PII_KEY: the key that hashes personal identifiers "
        "(default: one generated once into <home>/pii.key)",
    )

    @classmethod
    def from_environment(cls, env: Mapping[str, str] | None = None) -> Warehouse:
        """The resource with every field whose variable is set in ``env`` (default: the
        process environment) set to its value: for the CLI and the tests."""
        env = os.environ if env is None else env
        return cls(**{field: env[var] for field, var in WAREHOUSE_ENV.items() if var in env})

    def environment(self) -> dict[str, str]:
        """The fields that are set, as the environment variables ``pipelines.config`` reads."""
        return {
            var: value
            for field, var in WAREHOUSE_ENV.items()
            if (value := getattr(self, field)) is not None
        }

    def settings(self) -> Settings:
        return load_settings(self.environment())

    def hashing_key(self) -> str:
        """The PII key: the field, else the one generated into ``<home>/pii.key``."""
        return pii_key(self.settings(), self.environment())

    def build_engine(self) -> DuckDBWarehouse:
        """Where dbt builds: the ``engine`` field (see the module's docstring)."""
        settings = self.settings()
        return ENGINES[settings.engine](settings)

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        settings = self.settings()
        settings.build_db.parent.mkdir(parents=True, exist_ok=True)
        conn = duckdb.connect(str(settings.build_db), read_only=read_only)
        try:
            yield conn
        finally:
            conn.close()
