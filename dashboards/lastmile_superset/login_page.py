"""The login page keeps the session it opens, and speaks Chinese.

Superset 6.1 answers two requests of its own login page with a redirect to that page, since the
browser is anonymous, and both hurt:

- **the frontend's event log** (``POST /superset/log/``) is flushed by a beacon when a page is
  left, so at the moment the login form submits. Its answer, and the login page its redirect ends
  on, carry the session cookie the beacon was sent with — the anonymous one; when they arrive after
  the login's answer, they replace the new session and the person who just typed the right
  password is back on the login page (seen on a busy two-core machine: ``POST /login/`` 302, then
  ``GET /superset/welcome/`` 302 back to the login page). The same race at a logout would bring the
  old session back. So the event log never sets a cookie (a WSGI wrapper drops its
  ``Set-Cookie``), and an anonymous one is answered 204 at once, with no redirect (Superset logs
  nothing for an anonymous user anyway).
- **the Chinese language pack** (``/superset/language_pack/zh/``) was refused, so the login page
  drew in English; ``translations.install`` serves it to everyone (it is Superset's public
  translation text, no data).
"""

from __future__ import annotations

from typing import Any

EVENT_LOG_PATH = "/superset/log/"


class EventLogSetsNoCookie:
    """WSGI middleware: the answer to ``POST /superset/log/`` goes out without ``Set-Cookie``."""

    def __init__(self, wsgi_app: Any) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("REQUEST_METHOD") != "POST" or environ.get("PATH_INFO") != EVENT_LOG_PATH:
            return self.wsgi_app(environ, start_response)

        def start_without_cookies(status: str, headers: list, exc_info: Any = None) -> Any:
            kept = [(name, value) for name, value in headers if name.lower() != "set-cookie"]
            return start_response(status, kept, exc_info)

        return self.wsgi_app(environ, start_without_cookies)


def install(app: Any) -> None:
    from flask import Response, request
    from flask_login import current_user

    app.wsgi_app = EventLogSetsNoCookie(app.wsgi_app)

    @app.before_request
    def anonymous_event_log() -> Any:
        if (
            request.method == "POST"
            and request.path == EVENT_LOG_PATH
            and not current_user.is_authenticated
        ):
            return Response(status=204)
        return None
