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

Values not set here keep Superset 6.1's defaults.
"""

import json
import os
from pathlib import Path

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

# Chinese UI by default, English selectable. Chart titles and labels live in the bundle.
LANGUAGES = {
    "zh": {"flag": "cn", "name": "简体中文"},
    "en": {"flag": "us", "name": "English"},
}
BABEL_DEFAULT_LOCALE = "zh"


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
FEATURE_FLAGS: dict[str, bool] = {"ENABLE_TEMPLATE_PROCESSING": True}

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
    "session_cookie_secure": False,
}
