"""API errors as JSON, with a 4xx status where the request was at fault.

Superset answers an unexpected exception with its HTML 500 page whenever the client accepts
``text/html`` — which ``*/*`` (curl, requests, most API clients) does — and turns a malformed
request that its code does not validate (an unknown datasource type, a missing key, a value of the
wrong type) into a 500. Here, for every request that is not a browser navigating to a page:

- a malformed request (``ValueError``, ``KeyError``, ``TypeError``, marshmallow's
  ``ValidationError``, an unknown datasource type) answers 400, one that names a missing datasource
  404, both as Superset's own JSON error payload (SIP-40);
- any other unexpected exception still answers 500, as JSON;
- an HTTP error or a command error Superset raises itself keeps its status, as JSON.

A browser navigating to a page (``text/html`` preferred over JSON) keeps Superset's HTML page.

And one malformed request Superset crashes on is refused before it runs: chart data or samples
(drill-to-detail) of a datasource that is not a dataset or an SQL Lab query, e.g. a saved query
(``AttributeError: 'SavedQuery' object has no attribute 'columns'`` in its query-context
factory), answers 400.
"""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger(__name__)


def wants_page(accept: Any) -> bool:
    """True for a browser navigation: text/html explicitly preferred over JSON."""
    html, json_ = accept["text/html"], accept["application/json"]
    return html > json_ and accept.best != "*/*"


def error_status(exc: BaseException) -> int:
    """The status a request that raised exc deserves: 400 bad request, 404 missing, 500 ours."""
    from marshmallow import ValidationError
    from superset.daos.exceptions import DatasourceNotFound, DatasourceTypeNotSupportedError

    if isinstance(exc, DatasourceNotFound):
        return 404
    if isinstance(
        exc, ValidationError | DatasourceTypeNotSupportedError | ValueError | KeyError | TypeError
    ):
        return 400
    return 500


# what chart data and samples can query in Superset 6.1 (their schemas accept more)
QUERYABLE_DATASOURCE_TYPES = ("table", "query")


def unservable(method: str, path: str, args: Any, payload: Any) -> str | None:
    """Why a chart-data or samples request cannot be served, or None."""
    if method != "POST":
        return None
    kind = None
    if path.rstrip("/") == "/api/v1/chart/data" and isinstance(payload, dict):
        datasource = payload.get("datasource")
        kind = datasource.get("type") if isinstance(datasource, dict) else None
    elif path.rstrip("/") == "/datasource/samples":
        kind = args.get("datasource_type")
    if kind is not None and kind not in QUERYABLE_DATASOURCE_TYPES:
        return f"cannot query a datasource of type {kind!r}"
    return None


def register_error_handlers(app: Any) -> None:
    from flask import request
    from superset.commands.exceptions import CommandException
    from superset.errors import ErrorLevel, SupersetError, SupersetErrorType
    from superset.utils.core import error_msg_from_exception
    from superset.views.error_handling import json_error_response
    from werkzeug.exceptions import HTTPException

    handlers = app.error_handler_spec[None][None]
    page_for = {kind: handlers[kind] for kind in (Exception, HTTPException, CommandException)}

    def as_json(message: str, status: int):  # -> FlaskResponse
        return json_error_response(
            [
                SupersetError(
                    message=message,
                    error_type=SupersetErrorType.GENERIC_BACKEND_ERROR,
                    level=ErrorLevel.WARNING if status < 500 else ErrorLevel.ERROR,
                )
            ],
            status=status,
        )

    def handle_http(exc: HTTPException):  # -> FlaskResponse
        if wants_page(request.accept_mimetypes):
            return page_for[HTTPException](exc)
        return as_json(error_msg_from_exception(exc), exc.code or 500)

    def handle_command(exc: CommandException):  # -> FlaskResponse
        if wants_page(request.accept_mimetypes):
            return page_for[CommandException](exc)
        return as_json(exc.message, exc.status)

    def handle(exc: Exception):  # -> FlaskResponse
        if wants_page(request.accept_mimetypes):
            return page_for[Exception](exc)
        status = error_status(exc)
        if status == 500:
            logger.exception("unexpected error on %s %s", request.method, request.path)
            return as_json("Internal error", 500)
        logger.warning("bad request %s %s: %r", request.method, request.path, exc)
        return as_json(error_msg_from_exception(exc), status)

    @app.before_request
    def refuse_unservable():  # -> FlaskResponse | None
        reason = unservable(
            request.method, request.path, request.args, request.get_json(silent=True)
        )
        return as_json(reason, 400) if reason else None

    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(CommandException, handle_command)
    app.register_error_handler(Exception, handle)
