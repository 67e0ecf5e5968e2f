"""Who may read what beyond Superset's own checks.

Superset checks an SQL Lab query (and a saved query) as a data source only by the tables its SQL
names: anyone allowed to read those tables may query another user's SQL Lab query through the
chart-data API (``datasource.type = "query"``), drill-to-detail samples or explore, and so read
its rows without row-level security, which SQL Lab does not apply. Here an SQL Lab query or saved
query is readable by the user who made it and nobody else, on every path that goes through
``raise_for_access`` (all of Superset's data paths do).

And a cached chart answer is its user's, of one version of the served file: every query's cache
key carries the login and the served DuckDB file's identity (inode, size, modification time), so
a cached answer is never shown to anyone else, and the first query after a publish (which swaps a
new file in) reads the new file.
"""

from __future__ import annotations

import os
from typing import Any

from flask import current_app
from superset.commands.dataset.exceptions import DatasetAccessDeniedError
from superset.errors import ErrorLevel, SupersetError, SupersetErrorType
from superset.exceptions import SupersetSecurityException
from superset.security import SupersetSecurityManager
from superset.utils.core import get_user_id, get_username


def _owner_id(candidate: Any) -> tuple[bool, int | None]:
    """(is an SQL Lab object, its owner's user id)."""
    from superset.models.sql_lab import Query, SavedQuery

    if isinstance(candidate, Query | SavedQuery):
        return True, candidate.user_id
    return False, None


class SqlLabAccessDeniedError(SupersetSecurityException, DatasetAccessDeniedError):
    """Someone else's SQL Lab query or saved query. A security exception, as raise_for_access
    raises; also the error Superset's explore commands turn into 403 (they catch only
    dataset and chart denials, and would answer any other exception with a 500)."""

    status = 403

    def __init__(self) -> None:
        SupersetSecurityException.__init__(
            self,
            SupersetError(
                error_type=SupersetErrorType.DATASOURCE_SECURITY_ACCESS_ERROR,
                message="An SQL Lab query and its results are readable only by the user who "
                "ran it.",
                level=ErrorLevel.ERROR,
            ),
        )


def served_file_version(path: str) -> str:
    """The served file's identity: a publish swaps a new file in (another inode)."""
    try:
        stat = os.stat(path)
    except OSError:
        return "missing"
    return f"{stat.st_ino}-{stat.st_size}-{stat.st_mtime_ns}"


class LastmileSecurityManager(SupersetSecurityManager):
    def get_rls_cache_key(self, datasource: Any) -> list[str]:
        """Part of every chart query's cache key (Superset adds the row-level-security clauses
        here): also the login and the version of the served file."""
        served = current_app.config.get("LASTMILE_SERVE_DB", "")
        return [
            *super().get_rls_cache_key(datasource),
            f"user:{get_username() or ''}",
            f"served:{served_file_version(served)}",
        ]

    def raise_for_access(self, *args: Any, **kwargs: Any) -> None:
        query_context = kwargs.get("query_context")
        viz = kwargs.get("viz")
        candidates = [
            kwargs.get("query"),
            kwargs.get("datasource"),
            getattr(query_context, "datasource", None),
            getattr(viz, "datasource", None),
        ]
        for candidate in candidates:
            is_sql_lab, owner = _owner_id(candidate)
            if is_sql_lab and (owner is None or owner != get_user_id()):
                raise SqlLabAccessDeniedError()
        super().raise_for_access(*args, **kwargs)
