"""Serve Lastmile's Superset with gunicorn (run `dashboards/bootstrap.py` first).

    .venv-superset/bin/python dashboards/serve.py [--port 8088] [--host 127.0.0.1]

Same environment as the bootstrap (LASTMILE_HOME, LASTMILE_SERVE_DB, SUPERSET_SECRET_KEY,
LASTMILE_SUPERSET_DATABASE_URI).
The process execs into gunicorn, so its PID is gunicorn's master: SIGINT or SIGTERM stops
the master and its worker cleanly.
"""

from __future__ import annotations

import argparse
import os
import sys

from bootstrap import (
    DASHBOARDS_DIR,
    BootstrapError,
    check_serve_db,
    resolve_paths,
    superset_environ,
    uses_embedded_metadata,
)
from lastmile_superset.sizing import Sizing, sizing


def gunicorn_argv(host: str, port: int, size: Sizing | None = None) -> list[str]:
    """Workers and threads sized for the machine (lastmile_superset/sizing.py: one worker per
    core as memory allows, 4 threads each; LASTMILE_SUPERSET_WORKERS / _THREADS override)."""
    size = size or sizing()
    return [
        sys.executable,
        "-m",
        "gunicorn",
        f"--workers={size.workers}",
        "--worker-class=gthread",
        f"--threads={size.threads}",
        f"--bind={host}:{port}",
        "--timeout=120",
        # Superset's explore URLs can be long
        "--limit-request-line=0",
        "--limit-request-field_size=0",
        "--access-logfile=-",
        # gunicorn 27's control socket is one per user (~/.gunicorn): two servers would clash
        "--no-control-socket",
        # Superset's app with Lastmile's JSON API errors (dashboards/lastmile_superset/app.py)
        f"--pythonpath={DASHBOARDS_DIR}",
        "lastmile_superset.app:create_app()",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8088)
    args = parser.parse_args(argv)

    paths = resolve_paths()
    try:
        check_serve_db(paths.serve_db)
        metadata_missing = uses_embedded_metadata() and not paths.metadata_db.is_file()
        if not paths.secrets_file.is_file() or metadata_missing:
            raise BootstrapError(
                f"no Superset installation under {paths.superset_home}: "
                "run .venv-superset/bin/python dashboards/bootstrap.py first"
            )
        env = superset_environ(paths)
    except BootstrapError as exc:
        print(f"serve: {exc}", file=sys.stderr)
        return 1

    try:
        size = sizing(env)
    except RuntimeError as exc:
        print(f"serve: {exc}", file=sys.stderr)
        return 1
    # the workers' superset_config.py divides DuckDB's memory among them: same count
    env["LASTMILE_SUPERSET_WORKERS"] = str(size.workers)
    argv_ = gunicorn_argv(args.host, args.port, size)
    print(
        f"serving Superset on http://{args.host}:{args.port}/ (DuckDB {paths.serve_db}; "
        f"{size.describe()})"
    )
    sys.stdout.flush()
    os.execve(sys.executable, argv_, env)


if __name__ == "__main__":
    sys.exit(main())
