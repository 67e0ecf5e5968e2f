"""Dagster resources: the build warehouse (one writer at a time) and the paths around it.

The ``Warehouse`` resource is the build DuckDB file, whichever engine builds the models
(``LASTMILE_ENGINE``: :mod:`pipelines.engines`, docs/scale-out.md). Its config fields are the
settings of :mod:`pipelines.config` — the paths, the dbt target, the engine and the PII key — so
the Dagster UI shows them: ``definitions.py`` binds each to its environment variable with
``dg.EnvVar``, read when a run starts. Outside Dagster (the CLI, the tests),
:meth:`Warehouse.from_environment` reads the same variables.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import dagster as dg
from pydantic import Field

from pipelines.config import PII_KEY_ENV, SETTINGS_ENV, Settings, load_settings, pii_key
from pipelines.engines import ENGINES, Connection, DuckDBWarehouse, connect

# Every step that opens the build DuckDB file runs in this pool; its limit is 1 (see dagster.yaml),
# because DuckDB allows one read-write process per file and the lock does not wait.
BUILD_DB_POOL = "duckdb_build"

# the Warehouse's config fields → the environment variables they are read from
WAREHOUSE_ENV = {**SETTINGS_ENV, "pii_key": PII_KEY_ENV}


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
        """Where dbt builds: the ``engine`` field (:mod:`pipelines.engines`)."""
        settings = self.settings()
        return ENGINES[settings.engine](settings)

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[Connection]:
        with connect(self.settings(), read_only=read_only) as conn:
            yield conn
