"""Dagster's SQLite event log, with connections kept open (the embedded default storage).

Dagster's :class:`SqliteEventLogStorage` opens a new SQLAlchemy engine and SQLite connection for
every write and closes it after: each event costs an engine, a connection, a commit with an fsync
and a close that checkpoints the write-ahead log. A Lastmile run writes a few thousand events (one
planned and one evaluation event per asset check, ~730 checks with the dbt tests), so on two cores
that bookkeeping cost more than the dbt build of a small company (``docs/benchmarks.md``).

:class:`PooledSqliteEventLogStorage` is the same storage on the same files (same schema, same
paths under ``$DAGSTER_HOME/history/runs``, so an instance can switch either way) with:

- one engine per database file, kept open (at most :data:`OPEN_SHARDS` run files at a time; the
  least recently used is closed), instead of one per write;
- ``PRAGMA synchronous=NORMAL`` in write-ahead-log mode (Dagster's files already are): a commit
  no longer waits for the disk; a crash of the process loses nothing, a power cut may lose the
  last events of the run history, never the warehouse (docs/operations.md);
- the run file's write-ahead log folded back into it (a passive checkpoint) at most every
  :data:`CHECKPOINT_SECONDS`, and at once on a run status event (started, succeeded, failed…):
  the Dagster UI follows a running run by watching that file change, so its live log stays
  within about a second of the run and sees the run's end.

``pipelines/instance.py`` names this class in ``dagster.yaml`` when the storage is SQLite; every
Dagster process of the environment imports it (``make setup`` makes the checkout importable).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from dagster._core.events import EVENT_TYPE_TO_PIPELINE_RUN_STATUS
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)

# run databases kept open at once besides the index (a daemon reads many runs over a day)
OPEN_SHARDS = 8
# the longest a run file's new events stay only in its write-ahead log (the UI watches the file)
CHECKPOINT_SECONDS = 1.0


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """:class:`SqliteEventLogStorage` keeping one open engine per database file."""

    def __init__(self, base_dir: str, inst_data: Any = None):
        # set before the parent's __init__, which already connects to the index shard
        self._engines: OrderedDict[str, sa.Engine] = OrderedDict()
        self._checkpointed_at: dict[str, float] = {}
        super().__init__(base_dir, inst_data)

    @classmethod
    def from_config_value(cls, inst_data: Any, config_value: Any) -> PooledSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> sa.Engine:
        engine = self._engines.get(shard)
        if engine is not None:
            self._engines.move_to_end(shard)
            return engine
        engine = sa.create_engine(
            self.conn_string_for_shard(shard),
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
        )
        sa.event.listen(engine, "connect", _relaxed_sync)
        if shard not in self._initialized_dbs:
            self._initdb(engine)
            self._initialized_dbs.add(shard)
        self._engines[shard] = engine
        run_shards = [name for name in self._engines if name != INDEX_SHARD_NAME]
        for name in run_shards[: max(0, len(run_shards) - OPEN_SHARDS)]:
            self._close(name)
        return engine

    def _close(self, shard: str) -> None:
        engine = self._engines.pop(shard, None)
        self._checkpointed_at.pop(shard, None)
        if engine is not None:
            engine.dispose()  # the last connection's close checkpoints the file

    @contextmanager
    def _connect(self, shard: str) -> Iterator[sa.Connection]:
        with self._db_lock, self._engine(shard).connect() as conn:
            with conn.begin():
                yield conn
            if shard != INDEX_SHARD_NAME:
                self._checkpoint(conn, shard, force=False)

    def _checkpoint(self, conn: sa.Connection, shard: str, force: bool) -> None:
        now = time.monotonic()
        if force or now - self._checkpointed_at.get(shard, 0.0) >= CHECKPOINT_SECONDS:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
            self._checkpointed_at[shard] = now

    def store_event(self, event: Any) -> None:
        super().store_event(event)
        if event.is_dagster_event and event.dagster_event_type in EVENT_TYPE_TO_PIPELINE_RUN_STATUS:
            with self._db_lock, self._engine(event.run_id).connect() as conn:
                self._checkpoint(conn, event.run_id, force=True)

    def _close_all(self) -> None:
        with self._db_lock:
            for shard in list(self._engines):
                self._close(shard)

    def wipe(self) -> None:
        self._close_all()
        super().wipe()

    def dispose(self) -> None:
        self._close_all()
        super().dispose()


def _relaxed_sync(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")
