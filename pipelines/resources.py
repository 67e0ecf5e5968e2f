"""Dagster resources: the build warehouse (one writer at a time) and the paths around it."""

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import duckdb

from pipelines.config import Settings, load_settings

# Every step that opens the build DuckDB file runs in this pool; its limit is 1 (see dagster.yaml),
# because DuckDB allows one read-write process per file and the lock does not wait.
BUILD_DB_POOL = "duckdb_build"


class Warehouse(dg.ConfigurableResource):
    """The build DuckDB file. Paths are resolved when a step runs, from the environment."""

    def settings(self) -> Settings:
        return load_settings()

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        settings = self.settings()
        settings.build_db.parent.mkdir(parents=True, exist_ok=True)
        conn = duckdb.connect(str(settings.build_db), read_only=read_only)
        try:
            yield conn
        finally:
            conn.close()
