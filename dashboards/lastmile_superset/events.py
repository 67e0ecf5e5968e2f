"""Superset's action log as one line per event in the server log, instead of a committed row in
the metadata database per event.

Superset's default event logger (DBEventLogger) commits a row to the metadata database for every
request — a dashboard visit logs a dozen — which on the embedded SQLite file costs ~80 ms of
every chart-data request (most of a board's draw time is such requests). The audit trail stays:
who did what, on which board and chart, and how long it took, one line per API request through
Python logging (logger ``lastmile.events``, in the server's log, dashboards/serve.py).
"""

from __future__ import annotations

import logging
from typing import Any

from superset.utils.log import AbstractEventLogger

logger = logging.getLogger("lastmile.events")


class ServerLogEventLogger(AbstractEventLogger):
    def log(  # noqa: PLR0913 - Superset's signature
        self,
        user_id: int | None,
        action: str,
        dashboard_id: int | None,
        duration_ms: int | None,
        slice_id: int | None,
        referrer: str | None,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        # requests to Superset's APIs and the frontend's own events at INFO; the steps inside
        # a request (execute_sql, load_into_dataframe …) at DEBUG
        level = logging.INFO if "RestApi." in action or action == "log" else logging.DEBUG
        logger.log(
            level,
            "event user=%s action=%s dashboard=%s chart=%s duration_ms=%s",
            user_id,
            action,
            dashboard_id,
            slice_id,
            duration_ms,
        )
