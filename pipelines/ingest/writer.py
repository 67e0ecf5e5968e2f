"""Write what a file loaded: its rows into ``raw_<source>.<table>``, its bad rows into
``ingest.quarantine`` (file, row, column, raw value, reason). The caller holds the transaction:
a file's rows replace what the same path loaded before, all at once or not at all.

The raw tables have no index, key or constraint: a file's rows are appended as typed Arrow data
(Polars' string views, handed over without conversion). :class:`Inserter` writes a file's batches
on a second thread, one after another, so that DuckDB's insert of one batch overlaps the reading
and typing of the next.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from typing import TYPE_CHECKING

import polars as pl

from pipelines.ingest.contract import ROW_REASONS, Table

if TYPE_CHECKING:
    from pipelines.engines import Connection

META_COLUMNS = {
    "_source_file": "VARCHAR",
    "_source_row": "BIGINT",
    "_file_hash": "VARCHAR",
    "_ingested_at": "TIMESTAMP",
    "_extra": "VARCHAR",
}


log = logging.getLogger(__name__)


class Inserter:
    """Runs a file's inserts one at a time on a second thread. Each holds ``lock`` (whoever else
    uses the connection meanwhile takes it too); :meth:`submit` first waits for the previous
    insert, so one batch is written while the next is prepared, and errors surface in order."""

    def __init__(self, conn: Connection, lock: threading.RLock, threads: ThreadPoolExecutor):
        self.conn, self.lock, self.threads = conn, lock, threads
        self.pending: Future[None] | None = None

    def _run(self, insert: Callable[..., None], args: tuple) -> None:
        with self.lock:
            insert(self.conn, *args)

    def submit(self, insert: Callable[..., None], *args: object) -> None:
        self.wait()
        self.pending = self.threads.submit(self._run, insert, args)

    def wait(self) -> None:
        """Wait for the pending insert; raise its error, if any."""
        pending, self.pending = self.pending, None
        if pending is not None:
            pending.result()

    def abandon(self) -> None:
        """Wait for the pending insert, whatever it did (the caller is rolling back)."""
        try:
            self.wait()
        except Exception as exc:  # the rollback follows; the caller's own error is the one raised
            log.warning("an insert failed before the rollback: %s", type(exc).__name__)


def ensure_raw_table(conn: Connection, table: Table) -> None:
    conn.execute(f"create schema if not exists {table.schema}")
    columns = [(c.name, c.sql_type) for c in table.columns] + list(META_COLUMNS.items())
    ddl = ", ".join(f'"{name}" {sql_type}' for name, sql_type in columns)
    conn.execute(f"create table if not exists {table.qualified_name} ({ddl})")
    existing = {
        row[0]
        for row in conn.execute(
            "select column_name from information_schema.columns "
            "where table_schema = ? and table_name = ?",
            [table.schema, table.name],
        ).fetchall()
    }
    for name, sql_type in columns:
        if name not in existing:  # a column added to the contract after the table was created
            conn.execute(f'alter table {table.qualified_name} add column "{name}" {sql_type}')


def clear_file(conn: Connection, table: Table, rel: str) -> None:
    """Remove what ``rel`` loaded before (its raw rows and quarantined rows)."""
    conn.execute(f"delete from {table.qualified_name} where _source_file = ?", [rel])
    conn.execute("delete from ingest.quarantine where file_path = ?", [rel])


def _insert(
    conn: Connection,
    target: str,
    frame: pl.DataFrame,
    constants: dict[str, object] | None = None,
) -> None:
    """Insert ``frame`` by column name; ``constants`` are columns with one value for every row,
    passed as parameters rather than repeated in memory."""
    if not frame.height:
        return
    constants = constants or {}
    extra = "".join(f", ? as {name}" for name in constants)
    # string views: handed to DuckDB without copying (the default converts every string)
    conn.register("lastmile_rows", frame.to_arrow(compat_level=pl.CompatLevel.newest()))
    try:
        conn.execute(
            f"insert into {target} by name select *{extra} from lastmile_rows",
            list(constants.values()),
        )
    finally:
        conn.unregister("lastmile_rows")


def insert_loaded(
    conn: Connection,
    table: Table,
    rel: str,
    file_hash: str,
    now: datetime,
    loaded: pl.DataFrame,
) -> None:
    _insert(
        conn,
        table.qualified_name,
        loaded,
        {"_source_file": rel, "_file_hash": file_hash, "_ingested_at": now},
    )


def insert_batch(
    conn: Connection,
    table: Table,
    rel: str,
    file_hash: Callable[[], str],
    now: datetime,
    loaded: pl.DataFrame,
    quarantined: pl.DataFrame,
) -> None:
    """One batch's loaded and quarantined rows (``file_hash`` may still be being computed)."""
    digest = file_hash()
    insert_loaded(conn, table, rel, digest, now, loaded)
    insert_quarantine(conn, table, rel, digest, now, quarantined)


def reason_text(rel: str) -> pl.Expr:
    """The quarantine's sentence: file, row, column, what is wrong (never the cell's value)."""
    return pl.format(
        "{}, row {}{}: {}{}",
        pl.lit(rel),
        pl.col("_row"),
        pl.when(pl.col("column_name").is_not_null())
        .then(pl.format(", column {}", "column_name"))
        .otherwise(pl.lit("")),
        pl.col("reason_code").replace_strict(ROW_REASONS, default="rejected"),
        pl.when(pl.col("detail").is_not_null())
        .then(pl.format(" ({})", "detail"))
        .otherwise(pl.lit("")),
    )


def insert_quarantine(
    conn: Connection,
    table: Table,
    rel: str,
    file_hash: str,
    now: datetime,
    quarantine: pl.DataFrame,
) -> None:
    _insert(
        conn,
        "ingest.quarantine",
        quarantine.select(
            pl.col("_row").alias("row_number"),
            "column_name",
            "raw_value",
            "reason_code",
            reason_text(rel).alias("reason"),
            pl.col("_record").alias("raw_record"),
        ),
        {
            "file_path": rel,
            "source": table.source,
            "table_name": table.name,
            "file_hash": file_hash,
            "ingested_at": now,
        },
    )
