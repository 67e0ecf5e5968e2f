"""Who may read what beyond Superset's own checks.

Superset checks an SQL Lab query (and a saved query) as a data source only by the tables its SQL
names: anyone allowed to read those tables may query another user's SQL Lab query through the
chart-data API (``datasource.type = "query"``), drill-to-detail samples or explore, and so read
its rows without row-level security, which SQL Lab does not apply. Here an SQL Lab query or saved
query is readable by the user who made it and nobody else, on every path that goes through
``raise_for_access`` (all of Superset's data paths do).

And a cached chart answer is its row scope's, of one version of the served file: every query's
cache key carries the row-level-security clauses that apply to the user (Superset's own part of
the key) and, when one of them depends on who asks (Jinja: ``{{ current_username() }}``), the
login; plus the served DuckDB file's identity (inode, size, modification time). Users whose
clauses are the same, unrendered and not templated — the roles that see every row, which have
none — share entries (the morning's cache warming, dashboards/warm.py, fills one set for all
managers); a scoped answer is never shown to anyone else; the first query after a publish (which
swaps a new file in) reads the new file. Access itself is checked before the cache is read.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from superset.commands.dataset.exceptions import DatasetAccessDeniedError
from superset.errors import ErrorLevel, SupersetError, SupersetErrorType
from superset.exceptions import SupersetSecurityException
from superset.security import SupersetSecurityManager
from superset.utils.core import get_user_id, get_username

from lastmile_superset.cache_keys import rls_depends_on_user, served_file_version


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


class LastmileSecurityManager(SupersetSecurityManager):
    def get_rls_cache_key(self, datasource: Any) -> list[str]:
        """Part of every chart query's cache key: the row-level-security clauses that apply
        (Superset's part), the login when a clause is templated (its rows depend on who asks),
        and the version of the served file."""
        served = current_app.config.get("LASTMILE_SERVE_DB", "")
        clauses = super().get_rls_cache_key(datasource)
        return [
            *clauses,
            *([f"user:{get_username() or ''}"] if rls_depends_on_user(clauses) else []),
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
