"""Every query on the served DuckDB file ends: a time limit, a working stop button, locked limits.

Superset's own limits do not reach DuckDB here: ``SQLLAB_TIMEOUT`` is a SIGALRM, which only works
on gunicorn's main thread (requests run on worker threads), and the base engine spec cannot
cancel a query (SQL Lab's stop button answers 422). DuckDB stops a running query when
``interrupt()`` is called on its connection from another thread, so:

- ``QueryGuard`` keeps the connections of the queries running in this process with their
  deadlines; a watchdog thread (started with the first query) interrupts a query past its
  deadline, and one whose cancellation was asked for, within ``POLL_SECONDS``;
- ``LastmileDuckDBEngineSpec`` runs every statement (chart data, samples, SQL Lab) under the guard
  and gives SQL Lab a cancel id ``<pid>:<token>``. The stop button reaches the process that runs
  the query directly, or through a file in ``cancel_dir`` that its watchdog picks up (several
  gunicorn workers);
- ``locked_connect_args`` gives every DuckDB connection its resource limits (memory, threads,
  temporary disk) with ``lock_configuration``: no SQL (``SET``, ``PRAGMA``, ``RESET``) can raise
  them, nor turn external access back on.

Configured from the environment by superset_config.py (docs/operations.md lists the variables).
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.25


@dataclass
class _Running:
    cursor: Any
    deadline: float | None = None  # monotonic; None until the statement starts
    reason: str | None = None  # why it was interrupted: "timeout" or "cancelled"


@dataclass
class QueryGuard:
    timeout_seconds: float
    cancel_dir: Path | None = None
    _running: dict[str, _Running] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _watchdog: threading.Thread | None = None

    # --- registry -------------------------------------------------------------------------

    def token_for(self, cursor: Any) -> str:
        """The token of a cursor's running entry, registering the cursor if new."""
        with self._lock:
            for token, entry in self._running.items():
                if entry.cursor is cursor:
                    return token
            token = secrets.token_hex(8)
            self._running[token] = _Running(cursor)
            return token

    @contextmanager
    def running(self, cursor: Any) -> Iterator[_Running]:
        """Hold a statement under the time limit while it runs."""
        token = self.token_for(cursor)
        with self._lock:
            entry = self._running[token]
            entry.deadline = time.monotonic() + self.timeout_seconds
            entry.reason = None
        self._ensure_watchdog()
        try:
            yield entry
        finally:
            with self._lock:
                self._running.pop(token, None)

    def cancel_id(self, cursor: Any) -> str:
        return f"{os.getpid()}:{self.token_for(cursor)}"

    def cancel(self, cancel_id: str) -> bool:
        """Stop the query with this id, here or (through cancel_dir) in another process."""
        pid, _, token = cancel_id.partition(":")
        if pid == str(os.getpid()):
            return self._interrupt(token, "cancelled")
        if self.cancel_dir is None or not pid.isdigit() or not token.isalnum():
            return False
        self.cancel_dir.mkdir(parents=True, exist_ok=True)
        (self.cancel_dir / f"{pid}-{token}").touch()
        return True

    # --- the watchdog ---------------------------------------------------------------------

    def _interrupt(self, token: str, reason: str) -> bool:
        with self._lock:
            entry = self._running.get(token)
            if entry is None:
                return False
            entry.reason = reason
        try:
            entry.cursor.interrupt()
        except Exception:  # the statement ended meanwhile and its connection closed
            logger.debug("interrupting %s failed", token, exc_info=True)
        return True

    def _ensure_watchdog(self) -> None:
        with self._lock:
            if self._watchdog is None or not self._watchdog.is_alive():
                self._watchdog = threading.Thread(
                    target=self._watch, name="lastmile-query-guard", daemon=True
                )
                self._watchdog.start()

    def sweep(self) -> list[str]:
        """Interrupt what is overdue or asked to stop; the tokens interrupted."""
        now = time.monotonic()
        with self._lock:
            overdue = [
                token
                for token, entry in self._running.items()
                if entry.deadline is not None and entry.reason is None and now > entry.deadline
            ]
        done = [token for token in overdue if self._interrupt(token, "timeout")]
        if self.cancel_dir is not None and self.cancel_dir.is_dir():
            for request in self.cancel_dir.glob(f"{os.getpid()}-*"):
                token = request.name.partition("-")[2]
                if self._interrupt(token, "cancelled"):
                    done.append(token)
                request.unlink(missing_ok=True)
        return done

    def _watch(self) -> None:
        while True:
            time.sleep(POLL_SECONDS)
            try:
                self.sweep()
            except Exception:  # never let the watchdog die
                logger.exception("query guard sweep failed")


class QueryInterruptedError(Exception):
    """A query stopped by the time limit or by the user; the message says which."""


def timeout_message(seconds: float) -> str:
    return (
        f"查询超过 {seconds:g} 秒的上限，已被终止。Query stopped after the {seconds:g} s limit "
        "(LASTMILE_QUERY_TIMEOUT_SECONDS): narrow it down or ask an analyst."
    )


def locked_connect_args(connect_args: dict[str, Any], limits: dict[str, Any]) -> dict[str, Any]:
    """connect_args for a DuckDB connection: read-only, no external access, the given resource
    limits, and the configuration locked so no statement can change any of them."""
    config = {
        **(connect_args.get("config") or {}),
        **{key: value for key, value in limits.items() if value not in (None, "")},
        "enable_external_access": False,
        "lock_configuration": True,
    }
    return {**connect_args, "read_only": True, "config": config}


def make_engine_spec(base: type, guard: QueryGuard) -> type:
    """The DuckDB engine spec with the guard around every statement."""

    class LastmileDuckDBEngineSpec(base):  # type: ignore[misc, valid-type]
        has_query_id_before_execute = True

        @classmethod
        def execute(cls, cursor: Any, query: str, database: Any, **kwargs: Any) -> None:
            with guard.running(cursor) as entry:
                try:
                    super().execute(cursor, query, database, **kwargs)
                except Exception as exc:
                    if entry.reason == "timeout":
                        raise QueryInterruptedError(timeout_message(guard.timeout_seconds)) from exc
                    if entry.reason == "cancelled":
                        raise QueryInterruptedError("查询已被用户停止。Query stopped.") from exc
                    raise

        @classmethod
        def get_cancel_query_id(cls, cursor: Any, query: Any) -> str | None:
            return guard.cancel_id(cursor)

        @classmethod
        def cancel_query(cls, cursor: Any, query: Any, cancel_query_id: str) -> bool:
            from superset import db
            from superset.utils.core import QueryStatus

            # Stopped before it is interrupted: the interrupted statement's error handler reads
            # the status to tell a stop from a failure, and the stop API commits it only after
            # this returns.
            query.status = QueryStatus.STOPPED
            db.session.commit()
            guard.cancel(cancel_query_id)
            return True  # a query that ended before the stop arrived is stopped too

    return LastmileDuckDBEngineSpec


def install_engine_spec(guard: QueryGuard) -> type:
    """Make Superset pick the guarded spec for duckdb:// databases.

    Superset chooses an engine spec by scanning its own modules before entry points and takes
    the first that supports the backend, so a plugin spec for ``duckdb`` is never chosen. The
    guarded subclass therefore takes the built-in class's place in its module (the same slot:
    the scan order is unchanged). Idempotent.
    """
    import superset.db_engine_specs.duckdb as duckdb_specs
    from superset.models.core import Database

    current = duckdb_specs.DuckDBEngineSpec
    if getattr(current, "lastmile_guard", None) is guard:
        return current
    base = getattr(current, "lastmile_base", current)
    spec = make_engine_spec(base, guard)
    spec.lastmile_guard = guard
    spec.lastmile_base = base
    duckdb_specs.DuckDBEngineSpec = spec
    Database.get_db_engine_spec.cache_clear()
    return spec
