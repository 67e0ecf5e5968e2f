"""How big the Superset server is: gunicorn workers and threads, DuckDB threads and memory per
serving connection, derived from the machine's cores and memory and overridable by environment
variables (docs/operations.md, "Monday morning").

Pure Python, no Superset import: dashboards/serve.py reads it to start gunicorn, superset_config.py
to give every DuckDB connection its limits, and the tests import it from the main environment.

- LASTMILE_SUPERSET_WORKERS: one per core, at most as many as half the memory holds at ~600 MB;
- LASTMILE_SUPERSET_THREADS: 4 per worker;
- LASTMILE_SERVE_DUCKDB_THREADS: cores ÷ workers, at least 1 (concurrent queries share the cores);
- LASTMILE_SERVE_DUCKDB_MEMORY_LIMIT: a quarter of the memory, divided among the workers.

A chart-data request is mostly Python (Superset builds the query, pandas post-processes, JSON
out): one worker process holds the GIL, so a second core only helps through a second worker. With
several requests in flight per worker, DuckDB's own parallelism only oversubscribes the cores.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

WORKER_MB = 600  # one gunicorn worker with Superset loaded (~385 MB measured) plus headroom
DEFAULT_THREADS = 4


@dataclass(frozen=True)
class Sizing:
    workers: int
    threads: int
    duckdb_threads: int
    duckdb_memory_limit: str

    def describe(self) -> str:
        return (
            f"{self.workers} worker(s) × {self.threads} threads, DuckDB {self.duckdb_threads} "
            f"thread(s) and {self.duckdb_memory_limit} per connection"
        )


def machine_cores() -> int:
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def machine_memory_mb() -> int:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(float(raw))
    except ValueError as exc:
        raise RuntimeError(f"{name}={raw!r} is not a number") from exc
    if value <= 0:
        raise RuntimeError(f"{name}={raw!r} must be positive")
    return value


def sizing(
    env: Mapping[str, str] | None = None,
    cores: int | None = None,
    memory_mb: int | None = None,
) -> Sizing:
    """The server's size for this machine (or the given one), with the environment's overrides."""
    env = os.environ if env is None else env
    cores = cores or machine_cores()
    memory_mb = memory_mb or machine_memory_mb()
    by_memory = max(1, memory_mb // 2 // WORKER_MB)
    workers = _positive_int(env, "LASTMILE_SUPERSET_WORKERS", max(1, min(cores, by_memory)))
    threads = _positive_int(env, "LASTMILE_SUPERSET_THREADS", DEFAULT_THREADS)
    duckdb_threads = _positive_int(env, "LASTMILE_SERVE_DUCKDB_THREADS", max(1, cores // workers))
    memory_limit = (env.get("LASTMILE_SERVE_DUCKDB_MEMORY_LIMIT") or "").strip() or (
        f"{max(256, memory_mb // 4 // workers)}MB"
    )
    return Sizing(workers, threads, duckdb_threads, memory_limit)
