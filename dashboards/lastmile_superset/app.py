"""The WSGI app gunicorn serves (dashboards/serve.py): Superset's, with JSON API errors and
corrected Chinese table labels, and a login page that keeps the session it just opened.

Superset registers its error handlers at the very end of its app factory, after the
FLASK_APP_MUTATOR hook, so ours (lastmile_superset/errors.py) are registered here, once the
factory returned; so is the corrected zh language pack (lastmile_superset/translations.py).
"""

from __future__ import annotations

from typing import Any


def create_app() -> Any:
    from superset.app import create_app as create_superset_app

    from lastmile_superset import login_page, translations
    from lastmile_superset.errors import register_error_handlers

    app = create_superset_app()
    register_error_handlers(app)
    translations.install(app)
    login_page.install(app)
    return app
