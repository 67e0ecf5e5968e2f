"""Write the Dagster instance's ``dagster.yaml`` into ``$DAGSTER_HOME`` (``make setup`` does).

    python -m pipelines.instance write $DAGSTER_HOME

``pipelines/dagster.yaml`` is the one source of the instance settings (telemetry, the
``duckdb_build`` pool limit, one run at a time, run monitoring). The storage is chosen by the
environment when the file is written:

- ``LASTMILE_DAGSTER_PG_URL`` unset (the default): Dagster keeps runs, events and schedules in
  SQLite files under ``$DAGSTER_HOME``; an ``event_log_storage`` section is appended that names
  :class:`pipelines.event_log.PooledSqliteEventLogStorage` on Dagster's own event folder
  (``$DAGSTER_HOME/history/runs``): the same files, written without a new connection and a disk
  flush per event.
- ``LASTMILE_DAGSTER_PG_URL=postgresql+psycopg2://user:password@host:5432/dagster``: a ``storage:
  postgres:`` section is appended that reads the URL from that variable whenever the instance
  is opened, so the password is never written to disk, and every process that opens the
  instance (``dagster dev``, the daemon, ``python -m pipelines.run``) must have it set.

Only the standard library and PyYAML are imported: ``make setup`` runs this before everything.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

from pipelines.config import parse_yaml

BASE_CONFIG = Path(__file__).resolve().parent / "dagster.yaml"
PG_URL_VAR = "LASTMILE_DAGSTER_PG_URL"
# The driver must be named: SQLAlchemy 2.1, which Dagster connects through, reads a bare
# "postgresql://" as psycopg 3, which is not installed (dagster-postgres brings psycopg2).
PG_SCHEME = "postgresql+psycopg2://"

POSTGRES_STORAGE = f"""
# Added by pipelines/instance.py because {PG_URL_VAR} was set when this file was written:
# runs, events, schedules and pool slots are kept in PostgreSQL. The URL is read from the
# variable each time the instance opens; unset it and run `make setup` again for SQLite.
storage:
  postgres:
    postgres_url:
      env: {PG_URL_VAR}
"""


def sqlite_event_log(dagster_home: Path) -> str:
    """The section naming the pooled SQLite event log on Dagster's default event folder."""
    base_dir = (dagster_home.resolve() / "history" / "runs").as_posix()
    return f"""
# Added by pipelines/instance.py because {PG_URL_VAR} was not set when this file was written:
# Dagster's SQLite event log on its usual folder, keeping its connections open
# (pipelines/event_log.py; every Dagster process of the environment imports it).
event_log_storage:
  module: pipelines.event_log
  class: PooledSqliteEventLogStorage
  config:
    base_dir: {json.dumps(base_dir)}
"""


class InstanceConfigError(ValueError):
    """The base file or the environment cannot make a valid instance config."""


def render(
    environ: Mapping[str, str] | None = None,
    base: Path = BASE_CONFIG,
    dagster_home: Path | None = None,
) -> str:
    """The text of ``$DAGSTER_HOME/dagster.yaml``: the base file, plus the Postgres storage
    section when ``LASTMILE_DAGSTER_PG_URL`` is set, else the pooled SQLite event log's (on
    ``dagster_home``, default ``$DAGSTER_HOME``)."""
    env = os.environ if environ is None else environ
    text = base.read_text(encoding="utf-8")
    settings = parse_yaml(text) or {}
    storage_keys = {"storage", "run_storage", "event_log_storage", "schedule_storage"}
    if storage_keys & set(settings):
        raise InstanceConfigError(
            f"{base} must not choose a storage ({', '.join(sorted(storage_keys & set(settings)))}):"
            f" the storage comes from {PG_URL_VAR} (docs/operations.md)"
        )
    url = env.get(PG_URL_VAR, "").strip()
    if not url:
        home = dagster_home or (Path(env["DAGSTER_HOME"]) if env.get("DAGSTER_HOME") else None)
        if home is None:
            raise InstanceConfigError(
                "the SQLite event log's folder is under DAGSTER_HOME: pass dagster_home or set it"
            )
        return text.rstrip("\n") + "\n" + sqlite_event_log(home)
    if not url.startswith(PG_SCHEME):
        raise InstanceConfigError(
            f"{PG_URL_VAR} must be a PostgreSQL URL naming the psycopg2 driver, "
            f"{PG_SCHEME}user:password@host:5432/dagster, not {url.split(':', 1)[0]}://… "
            "(SQLAlchemy 2.1 reads a bare postgresql:// as psycopg 3, which is not installed)"
        )
    return text.rstrip("\n") + "\n" + POSTGRES_STORAGE


def write(dagster_home: Path, environ: Mapping[str, str] | None = None) -> Path:
    """Write ``dagster.yaml`` into ``dagster_home`` (created if missing), atomically."""
    text = render(environ, dagster_home=dagster_home)
    dagster_home.mkdir(parents=True, exist_ok=True)
    target = dagster_home / "dagster.yaml"
    fd, tmp = tempfile.mkstemp(dir=dagster_home, prefix=".dagster.yaml.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def storage_description(environ: Mapping[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    return f"PostgreSQL (${PG_URL_VAR})" if env.get(PG_URL_VAR, "").strip() else "SQLite"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    write_cmd = commands.add_parser("write", help="write dagster.yaml into DAGSTER_HOME")
    write_cmd.add_argument("dagster_home", type=Path)
    args = parser.parse_args(argv)
    try:
        target = write(args.dagster_home)
    except InstanceConfigError as exc:
        print(f"pipelines.instance: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {target} (storage: {storage_description()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
