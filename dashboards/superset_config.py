"""Superset configuration for Lastmile.

Superset imports this file through SUPERSET_CONFIG_PATH (``dashboards/bootstrap.py`` and
``dashboards/serve.py`` set it). A Superset config is read from the environment at import
time by design; everything here derives from three variables:

- SUPERSET_HOME: Superset's own state (metadata SQLite, generated secrets), normally
  ``$LASTMILE_HOME/superset``.
- SUPERSET_SECRET_KEY (optional): overrides the key generated into
  ``$SUPERSET_HOME/secrets.json`` by the bootstrap.
- LASTMILE_SUPERSET_DATABASE_URI (optional): the metadata database as a SQLAlchemy URI, e.g.
  ``postgresql+psycopg2://superset:password@127.0.0.1:5432/superset`` in production; unset, the
  SQLite file ``$SUPERSET_HOME/superset.db``.

and the knobs of docs/operations.md ("Who sees what"): LASTMILE_QUERY_TIMEOUT_SECONDS,
LASTMILE_SERVE_DUCKDB_MEMORY_LIMIT, LASTMILE_SERVE_DUCKDB_THREADS,
LASTMILE_SERVE_DUCKDB_MAX_TEMP_SIZE and LASTMILE_SUPERSET_HTTPS, and the server's size
(lastmile_superset/sizing.py: LASTMILE_SUPERSET_WORKERS, LASTMILE_SUPERSET_THREADS).

Values not set here keep Superset 6.1's defaults.
"""

import json
import os
import sys
from pathlib import Path

# Lastmile's Superset extensions (dashboards/lastmile_superset/) live beside this file.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from lastmile_superset.access import LastmileSecurityManager  # noqa: E402
from lastmile_superset.events import ServerLogEventLogger  # noqa: E402
from lastmile_superset.queries import QueryGuard, locked_connect_args  # noqa: E402
from lastmile_superset.sizing import sizing  # noqa: E402

SUPERSET_HOME = Path(os.environ.get("SUPERSET_HOME", ""))
if not os.environ.get("SUPERSET_HOME") or not SUPERSET_HOME.is_absolute():
    raise RuntimeError(
        "SUPERSET_HOME must be set to an absolute path (normally $LASTMILE_HOME/superset); "
        "start Superset through dashboards/bootstrap.py or dashboards/serve.py"
    )


def _secret_key() -> str:
    """The env var wins; otherwise the key the bootstrap generated once per installation."""
    if key := os.environ.get("SUPERSET_SECRET_KEY"):
        return key
    secrets_file = SUPERSET_HOME / "secrets.json"
    try:
        return json.loads(secrets_file.read_text())["secret_key"]
    except (OSError, ValueError, KeyError) as exc:
        raise RuntimeError(
            f"No SECRET_KEY: set SUPERSET_SECRET_KEY or run dashboards/bootstrap.py "
            f"to generate {secrets_file} ({exc!r})"
        ) from exc


SECRET_KEY = _secret_key()

# Metadata database (users, roles, dashboards, charts, RLS): the embedded SQLite file is fine for
# one server and CI; production sets LASTMILE_SUPERSET_DATABASE_URI to PostgreSQL
# (docs/operations.md, "Production settings: PostgreSQL").
SQLALCHEMY_DATABASE_URI = (
    os.environ.get("LASTMILE_SUPERSET_DATABASE_URI", "").strip()
    or f"sqlite:///{SUPERSET_HOME / 'superset.db'}?check_same_thread=false"
)

# Chinese UI by default, English selectable. Chart titles and labels live in the bundle; the
# table chart's row count and page-size labels, mistranslated in Superset's zh pack, are corrected
# by lastmile_superset/translations.py.
LANGUAGES = {
    "zh": {"flag": "cn", "name": "简体中文"},
    "en": {"flag": "us", "name": "English"},
}
BABEL_DEFAULT_LOCALE = "zh"

# Numbers as a Chinese reader expects them: thousands separated by commas, and the currency of
# D3 formats ($,.0f in the bundle) is the yuan: ¥1,234,567.
D3_FORMAT = {
    "decimal": ".",
    "thousands": ",",
    "grouping": [3],
    "currency": ["¥", ""],
}


# CSRF stays on for the browser. REST clients log in at /api/v1/security/login (exempt),
# send the JWT as a bearer token, and for POST/PUT/DELETE on Superset's own APIs fetch
# /api/v1/security/csrf_token/ and send it back as X-CSRFToken with the session cookie.
# /api/v1/chart/data is exempt by Superset's default WTF_CSRF_EXEMPT_LIST.
WTF_CSRF_ENABLED = True

# Native filters, cross-filters, drill-to-detail and drill-by are on by default in 6.1.
# Jinja in SQL and in RLS clauses, e.g. {{ current_username() }}, the login the row-level
# security of dashboards/security.yaml filters on. It is a feature flag in 6.1: set as a
# top-level key it is ignored, the clause is sent literally and every restricted user sees
# no rows.
FEATURE_FLAGS: dict[str, bool] = {"ENABLE_TEMPLATE_PROCESSING": True, "DASHBOARD_RBAC": True}
# DASHBOARD_RBAC: a board lists and opens only for the roles dashboards/security.yaml gives it
# (`boards`, applied by the bootstrap as the dashboard's roles), so nobody meets a board whose
# charts their role may not draw.

# Chart answers are cached (a board's second visit draws from the cache), per login and per
# version of the served file (lastmile_superset/access.py: a publish swaps a new file in, and the
# next query reads it). force=true (the refresh button) bypasses the cache.
LASTMILE_SERVE_DB = os.environ.get("LASTMILE_SERVE_DB", "")
DATA_CACHE_CONFIG = {
    "CACHE_TYPE": "FileSystemCache",
    "CACHE_DIR": str(SUPERSET_HOME / "cache" / "chart_data"),
    "CACHE_DEFAULT_TIMEOUT": 24 * 3600,
    "CACHE_THRESHOLD": 10000,
}

# The action log goes to the server log, one line per event, not to a committed metadata row per
# event (lastmile_superset/events.py: ~80 ms less per chart-data request).
EVENT_LOGGER = ServerLogEventLogger()

# Least privilege (dashboards/security.yaml builds the roles): on top of Superset's checks, an SQL
# Lab query and its results are readable only by the user who ran it, on every data path.
CUSTOM_SECURITY_MANAGER = LastmileSecurityManager
# Permission lookups (does this role hold that permission?) are remembered this many seconds per
# server process (lastmile_superset/access.py): the bootstrap's role changes apply within it.
LASTMILE_PERMISSION_CACHE_SECONDS = float(
    os.environ.get("LASTMILE_PERMISSION_CACHE_SECONDS", "").strip() or 10
)


def _env_number(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError as exc:
        raise RuntimeError(f"{name}={raw!r} is not a number") from exc
    if value <= 0:
        raise RuntimeError(f"{name}={raw!r} must be positive")
    return value


# Every query on the served DuckDB file (charts, drill-to-detail, SQL Lab) is interrupted inside
# DuckDB after this many seconds, and SQL Lab's stop button interrupts it at once
# (lastmile_superset/queries.py). Superset's own SQLLAB_TIMEOUT is a SIGALRM that cannot fire on
# gunicorn's worker threads: kept above the guard so that it never decides first.
QUERY_TIMEOUT_SECONDS = _env_number("LASTMILE_QUERY_TIMEOUT_SECONDS", 60)
QUERY_GUARD = QueryGuard(QUERY_TIMEOUT_SECONDS, cancel_dir=SUPERSET_HOME / "cancel")
SQLLAB_TIMEOUT = int(QUERY_TIMEOUT_SECONDS) + 30
SUPERSET_WEBSERVER_TIMEOUT = int(QUERY_TIMEOUT_SECONDS) + 30

# What one DuckDB connection may use, locked (lock_configuration) so no statement can raise it.
# Defaults from the machine (lastmile_superset/sizing.py): a quarter of the memory shared by the
# server's workers, the cores shared by the workers' concurrent queries, 10 GB of spill space.
SIZING = sizing()
DUCKDB_LIMITS = {
    "memory_limit": SIZING.duckdb_memory_limit,
    "threads": SIZING.duckdb_threads,
    "max_temp_directory_size": os.environ.get("LASTMILE_SERVE_DUCKDB_MAX_TEMP_SIZE") or "10GB",
}


def DB_CONNECTION_MUTATOR(url, params, username, security_manager, source):  # noqa: N802
    """Every DuckDB connection Superset opens: read-only, no external access, locked limits —
    whatever the database's saved settings say."""
    if url.get_backend_name() == "duckdb":
        connect_args = locked_connect_args(params.get("connect_args") or {}, DUCKDB_LIMITS)
        params = {**params, "connect_args": connect_args}
    return url, params


def FLASK_APP_MUTATOR(app):  # noqa: N802
    """Once the app exists: the guarded DuckDB engine spec (JSON API errors are registered by
    the app gunicorn serves, lastmile_superset/app.py, after Superset's own handlers)."""
    from lastmile_superset.queries import install_engine_spec

    install_engine_spec(QUERY_GUARD)


# Served over HTTPS (behind a TLS-terminating proxy such as nginx, docs/operations.md): the
# session cookie is sent only over HTTPS, and the proxy's X-Forwarded-* headers are trusted.
SERVED_OVER_HTTPS = os.environ.get("LASTMILE_SUPERSET_HTTPS", "").strip().lower() in (
    "1",
    "true",
    "yes",
)
SESSION_COOKIE_SECURE = SERVED_OVER_HTTPS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
ENABLE_PROXY_FIX = SERVED_OVER_HTTPS

# Offline-friendly Content Security Policy: only this server. It drops the defaults' hosts
# for the telemetry pixel (scarf.sh), Google/Adobe fonts and map tiles, so the browser never
# tries them. Fonts fall back to the system's (Noto CJK on our machines).
TALISMAN_ENABLED = True
TALISMAN_CONFIG = {
    "content_security_policy": {
        "base-uri": ["'self'"],
        "default-src": ["'self'"],
        "img-src": ["'self'", "blob:", "data:"],
        "worker-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "object-src": "'none'",
        "style-src": ["'self'", "'unsafe-inline'"],
        "font-src": ["'self'", "data:"],
        "script-src": ["'self'", "'strict-dynamic'"],
    },
    "content_security_policy_nonce_in": ["script-src"],
    "force_https": False,
    "session_cookie_secure": SERVED_OVER_HTTPS,
}
