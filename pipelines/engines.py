"""Where dbt builds the warehouse: one class per engine of ``LASTMILE_ENGINE`` (docs/scale-out.md).

Ingestion, the extract step, the GX checks, the outbox and the publish step always read and write
the build DuckDB file (:func:`connect`). What differs is where dbt builds, and what has to happen
around that build — each engine owns it in :meth:`DuckDBWarehouse.around_build`:

- :class:`DuckDBWarehouse` (``duckdb``, the default): dbt builds in the same file; nothing to do
  around the build.
- :class:`SparkWarehouse` (``spark``): before dbt runs, every raw table (schemas ``raw_*`` and
  ``ingest``) is written from the file into the Parquet lake (``$LASTMILE_HOME/spark/lake``); dbt
  on Spark registers the lake as its sources (``on-run-start``) and writes the models the later
  steps read — the marts and ``int_evaluation_date`` — back as Parquet (``on-run-end``,
  ``$LASTMILE_HOME/spark/export``); after dbt, those are loaded into the same schemas of the
  build file, so the GX checks, the outbox and the publish step run unchanged on Spark's results.

:data:`ENGINES` is the one list of engines: ``pipelines.config`` validates ``LASTMILE_ENGINE``
against it, and the ``Warehouse`` resource (``pipelines.resources``) picks its class from it.

This module is also where the warehouse's connections come from, whatever the engine: the build
file is a DuckDB file, so :data:`Connection`, :data:`WarehouseError`, :func:`connect` and
:func:`connect_file` are the DuckDB implementation's. Only this module, the ``Warehouse`` resource
and the publish step (which writes and opens the served file) import ``duckdb``
(``tests/pipelines/test_engine_boundary.py``); every other step names these.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

if TYPE_CHECKING:
    from pipelines.config import Settings

Connection = duckdb.DuckDBPyConnection
"""A connection to the warehouse, as :func:`connect` gives it: the DuckDB implementation's
DB-API-like connection (``execute`` with ``?`` parameters, ``fetchall``/``fetchone``, ``begin``/
``commit``/``rollback``, ``register``/``unregister`` of an Arrow table as a view). Another
implementation of the warehouse would provide a connection with the same methods, and its name
here."""

WarehouseError = duckdb.Error
"""What a failed warehouse statement raises: the DuckDB implementation's base error (every
``duckdb`` exception derives from it). Another implementation would alias its own base error."""

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


@contextmanager
def connect(settings: Settings, read_only: bool = False) -> Iterator[Connection]:
    """A connection to the build DuckDB file (its folder created when missing)."""
    with connect_file(settings.build_db, read_only=read_only) as conn:
        yield conn


@contextmanager
def connect_file(path: Path, read_only: bool = False) -> Iterator[Connection]:
    """A connection to the build file at ``path`` rather than the settings' (``python -m
    pipelines.ingest --build-db FILE``); its folder is created when missing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = duckdb.connect(str(path), read_only=read_only)
    try:
        yield conn
    finally:
        conn.close()


class DuckDBWarehouse:
    """dbt builds in the build DuckDB file itself."""

    name = "duckdb"

    def __init__(self, settings: Settings):
        self.settings = settings

    def dbt_env(self, relations: list[str]) -> dict[str, str]:
        """The variables dbt's process needs on this engine besides the profile's: none."""
        return {}

    @contextmanager
    def around_build(
        self, relations: list[str], log: Callable[[str], None]
    ) -> Iterator[dict[str, str]]:
        """Everything the dbt step does on this engine besides running dbt: prepare, yield the
        variables for dbt's process only (:meth:`dbt_env`), and once the block has run dbt
        without an exception, bring back ``relations`` (the models the later steps read) into
        the build file. On DuckDB dbt builds in the file: nothing to prepare or bring back."""
        yield self.dbt_env(relations)


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

    @contextmanager
    def around_build(
        self, relations: list[str], log: Callable[[str], None]
    ) -> Iterator[dict[str, str]]:
        """The raw tables to the lake before dbt (:meth:`before_build`), Spark's variables for
        dbt's process, and what dbt exported back into the build file after a build that did
        not raise (:meth:`after_build`)."""
        with connect(self.settings, read_only=True) as conn:
            staged = self.before_build(conn)
        log(f"{self.name}: {len(staged)} raw tables written to its lake")
        yield self.dbt_env(relations)
        with connect(self.settings) as conn:
            loaded = self.after_build(conn, relations)
        log(f"{self.name}: {len(loaded)} models loaded into the build file")

    def before_build(self, conn: Connection) -> list[str]:
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

    def after_build(self, conn: Connection, relations: list[str]) -> list[str]:
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


def drop_relation(conn: Connection, schema: str, name: str) -> None:
    found = conn.execute(
        "select table_type from information_schema.tables "
        "where table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchone()
    if found is not None:
        kind = "view" if found[0] == "VIEW" else "table"
        conn.execute(f'drop {kind} "{schema}"."{name}"')


# LASTMILE_ENGINE → the class that builds there (default: duckdb)
ENGINES: dict[str, type[DuckDBWarehouse]] = {
    engine.name: engine for engine in (DuckDBWarehouse, SparkWarehouse)
}
