"""Publish the marts to the served DuckDB file by build-then-swap.

Superset only ever opens the served file read-only. Publishing never opens it at all: the marts
are copied from the build file into a new file next to it, checkpointed and closed, then
``os.replace`` swaps it in atomically. Readers holding the old file keep their snapshot; the next
query sees the new one. A run killed before the swap leaves the served file untouched. After the
swap it records what the served marts were built from (``pipelines.changes``), so that the next
run with nothing new does nothing.

The publish step owns the served file: it writes it (:func:`publish`) and is how the rest of the
product opens it (:func:`open_served`: the run summary, the Superset bootstrap's roster). With
:mod:`pipelines.engines` and the ``Warehouse`` resource, it is the only product module that
imports ``duckdb`` (``tests/pipelines/test_engine_boundary.py``). Dagster, dbt and the build
pipeline's modules are imported only to build the asset (:func:`build_publish_asset`), so
``dashboards/security.py`` can call :func:`open_served` in the Superset environment, which has
none of them.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from pipelines.evaluation import built_evaluation_date

if TYPE_CHECKING:
    import dagster as dg

    from pipelines.engines import Connection

PUBLISHED_SCHEMAS = ("marts",)


@dataclass(frozen=True)
class Published:
    path: Path
    tables: dict[str, int]  # schema.table → rows
    evaluation_date: date | None = None  # the day the marts were built for


def publish(
    build_db: Path, serve_db: Path, schemas: tuple[str, ...] = PUBLISHED_SCHEMAS
) -> Published:
    serve_db.parent.mkdir(parents=True, exist_ok=True)
    staging = serve_db.with_name(f"{serve_db.name}.{os.getpid()}.publishing")
    for leftover in (staging, staging.with_name(staging.name + ".wal")):
        leftover.unlink(missing_ok=True)
    tables: dict[str, int] = {}
    evaluation_date = None
    try:
        with duckdb.connect(str(staging)) as conn:
            conn.execute(f"attach '{build_db}' as build (read_only)")
            wanted = ", ".join(f"'{s}'" for s in schemas)
            found = conn.execute(
                "select table_schema, table_name from information_schema.tables "
                f"where table_catalog = 'build' and table_schema in ({wanted}) "
                "and table_type = 'BASE TABLE' order by 1, 2"
            ).fetchall()
            if not found:
                raise RuntimeError(
                    f"{build_db} holds no tables in schemas {schemas}: nothing to publish"
                )
            for schema, table in found:
                conn.execute(f'create schema if not exists "{schema}"')
                conn.execute(
                    f'create table "{schema}"."{table}" as select * from build."{schema}"."{table}"'
                )
                tables[f"{schema}.{table}"] = conn.execute(
                    f'select count(*) from "{schema}"."{table}"'
                ).fetchone()[0]
            evaluation_date = built_evaluation_date(conn, "build")
            conn.execute("detach build")
            conn.execute("checkpoint")
    except BaseException:
        for leftover in (staging, staging.with_name(staging.name + ".wal")):
            leftover.unlink(missing_ok=True)
        raise
    # A .wal beside the served file would belong to no writer of ours and break every reader.
    serve_db.with_name(serve_db.name + ".wal").unlink(missing_ok=True)
    os.replace(staging, serve_db)
    return Published(path=serve_db, tables=tables, evaluation_date=evaluation_date)


@contextmanager
def open_served(serve_db: Path, *, external_access: bool = True) -> Iterator["Connection"]:
    """A read-only connection to the served file at ``serve_db``, closed on leaving the block.
    ``external_access=False`` also forbids it every file and network access beyond that file
    (DuckDB's ``enable_external_access``), as Superset's own connections are opened."""
    config = {} if external_access else {"enable_external_access": False}
    conn = duckdb.connect(str(serve_db), read_only=True, config=config)
    try:
        yield conn
    finally:
        conn.close()


def mart_models(manifest: dict) -> list[str]:
    """The dbt models that land in a published schema, read from the manifest (no name lists)."""
    return sorted(
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["schema"] in PUBLISHED_SCHEMAS
    )


def build_publish_asset(
    dbt_assets_def: "dg.AssetsDefinition", manifest: dict
) -> "dg.AssetsDefinition":
    import dagster as dg
    from dagster_dbt import get_asset_key_for_model

    from pipelines.changes import record_published
    from pipelines.resources import BUILD_DB_POOL, Warehouse

    deps = [get_asset_key_for_model([dbt_assets_def], name) for name in mart_models(manifest)]

    @dg.asset(
        key=["serving", "lastmile_duckdb"],
        group_name="serving",
        description=(
            "The served, read-only DuckDB file Superset reads: every mart, copied into a new "
            "file and swapped in atomically."
        ),
        deps=deps,
        kinds={"duckdb"},
        pool=BUILD_DB_POOL,
    )
    def served_warehouse(warehouse: Warehouse) -> dg.MaterializeResult:
        settings = warehouse.settings()
        published = publish(settings.build_db, settings.serve_db)
        with warehouse.connect() as conn:  # what it was built from: the next run's baseline
            record_published(settings, conn, published.evaluation_date)
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(published.path)),
                "tables": dg.MetadataValue.json(published.tables),
                "evaluation_date": str(published.evaluation_date or ""),
            }
        )

    return served_warehouse
