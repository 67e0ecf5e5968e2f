"""Where things live, resolved from environment variables at call time (never at import).

Every path has a default under ``$LASTMILE_HOME`` (default: ``<repo>/var``), so a fresh clone runs
with no configuration, and production overrides each one (see ``.env.example``).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
# dbt's saved parse of the project, in a target folder (and beside each build file)
PARTIAL_PARSE = "partial_parse.msgpack"
CONTRACT_PATH = Path(__file__).resolve().parent / "ingest" / "contract.yaml"
# every setting and the environment variable it is read from (the ``Warehouse`` resource's config
# fields, bound to these variables with ``dg.EnvVar`` in definitions.py, carry the same names)
SETTINGS_ENV = {
    "home": "LASTMILE_HOME",
    "landing_dir": "LASTMILE_LANDING_DIR",
    "build_db": "LASTMILE_BUILD_DB",
    "serve_db": "LASTMILE_SERVE_DB",
    "dbt_target": "LASTMILE_DBT_TARGET",
    "engine": "LASTMILE_ENGINE",
}
PII_KEY_ENV = "LASTMILE_PII_KEY"


@dataclass(frozen=True)
class Settings:
    home: Path
    landing_dir: Path
    build_db: Path
    serve_db: Path
    dbt_target: str
    engine: str = "duckdb"

    @property
    def warehouse_dir(self) -> Path:
        return self.build_db.parent

    @property
    def spark_dir(self) -> Path:
        """Local Spark's home: its conf, Derby metastore, table warehouse, the Parquet lake of
        the raw tables, the Thrift Server's PID file and logs (``make spark-up``)."""
        return self.home / "spark"

    @property
    def spark_lake_dir(self) -> Path:
        """The raw tables as Parquet (``<schema>/<table>.parquet``) that dbt on Spark reads."""
        return self.spark_dir / "lake"

    @property
    def spark_export_dir(self) -> Path:
        """The models dbt on Spark writes back as Parquet folders (``<schema>/<model>/``)."""
        return self.spark_dir / "export"


def parse_yaml(text: str):
    """YAML text as Python objects, with libyaml's parser where PyYAML has it (the landing
    contract parses in a fifth of the time: every run and the code location load it)."""
    import yaml

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def pii_key(settings: Settings, env: dict[str, str] | None = None) -> str:
    """The key that hashes personal identifiers: ``LASTMILE_PII_KEY``, or one generated once per
    installation into ``$LASTMILE_HOME/pii.key`` (mode 600, never committed)."""
    env = dict(os.environ if env is None else env)
    if env.get(PII_KEY_ENV):
        return env[PII_KEY_ENV]
    path = settings.home / "pii.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text(encoding="utf-8").strip()


def _path(env: dict[str, str], name: str, default: Path) -> Path:
    value = env.get(name)
    return Path(value).expanduser().resolve() if value else default


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Read the settings from ``env`` (default: the process environment)."""
    env = dict(os.environ if env is None else env)
    home = _path(env, "LASTMILE_HOME", REPO_ROOT / "var")
    return Settings(
        home=home,
        landing_dir=_path(env, "LASTMILE_LANDING_DIR", home / "landing"),
        build_db=_path(env, "LASTMILE_BUILD_DB", home / "warehouse" / "build.duckdb"),
        serve_db=_path(env, "LASTMILE_SERVE_DB", home / "warehouse" / "lastmile.duckdb"),
        dbt_target=dbt_target(env),
        engine=engine(env),
    )


def dbt_target(env: dict[str, str]) -> str:
    """The output of ``profiles.yml`` dbt builds with: ``spark`` whenever
    ``LASTMILE_ENGINE=spark`` (the only Spark output; the Makefile's default ``dev`` is DuckDB),
    else ``LASTMILE_DBT_TARGET`` (default ``dev``)."""
    if engine(env) == "spark":
        return "spark"
    return env.get("LASTMILE_DBT_TARGET", "dev")


def engine(env: dict[str, str] | None = None) -> str:
    """``LASTMILE_ENGINE``: ``duckdb`` (the default: one file, one machine) or ``spark``, one of
    ``pipelines.engines.ENGINES``."""
    from pipelines.engines import ENGINES  # the engines import these settings

    env = dict(os.environ if env is None else env)
    value = (env.get("LASTMILE_ENGINE") or "duckdb").strip().lower()
    if value not in ENGINES:
        raise ValueError(f"LASTMILE_ENGINE={value!r}: expected one of {', '.join(ENGINES)}")
    return value
