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

import threading
import time
from typing import Any

from flask import current_app, g
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


class _PermissionMemo:
    """Answers of permission lookups for a few seconds, per process. A chart-data request asks
    the metadata database a dozen times whether the user's roles hold a permission (~2/3 of a
    cached answer's time on two busy cores); those answers change only when the bootstrap
    rewrites the roles, so a role's new permissions apply within ``ttl`` seconds. Keyed by the
    roles asked about, never by the user: a user's roles are read fresh on every request."""

    MAX_ENTRIES = 20_000

    def __init__(self) -> None:
        self._entries: dict[tuple, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple, ttl: float, compute: Any) -> Any:
        if ttl <= 0:
            return compute()
        now = time.monotonic()
        with self._lock:
            hit = self._entries.get(key)
        if hit is not None and now - hit[0] < ttl:
            return hit[1]
        value = compute()
        with self._lock:
            if len(self._entries) >= self.MAX_ENTRIES:
                self._entries.clear()
            self._entries[key] = (now, value)
        return value


_PERMISSIONS = _PermissionMemo()


class LastmileSecurityManager(SupersetSecurityManager):
    def _permission_ttl(self) -> float:
        return float(current_app.config.get("LASTMILE_PERMISSION_CACHE_SECONDS", 10))

    def exist_permission_on_roles(
        self, view_name: str, permission_name: str, role_ids: list[int]
    ) -> bool:
        key = ("exists", view_name, permission_name, tuple(sorted(role_ids)))
        return _PERMISSIONS.get(
            key,
            self._permission_ttl(),
            lambda: super(LastmileSecurityManager, self).exist_permission_on_roles(
                view_name, permission_name, role_ids
            ),
        )

    def user_view_menu_names(self, permission_name: str) -> set[str]:
        user = getattr(g, "user", None)
        if user is None or user.is_anonymous:
            return super().user_view_menu_names(permission_name)
        roles = tuple(sorted(role.id for role in self.get_user_roles(user)))
        return set(
            _PERMISSIONS.get(
                ("view_menus", permission_name, roles),
                self._permission_ttl(),
                lambda: frozenset(
                    super(LastmileSecurityManager, self).user_view_menu_names(permission_name)
                ),
            )
        )

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
