"""Roles, logins and row-level security from dashboards/security.yaml (see that file for the
design). Called by bootstrap.py inside its Superset app context, after the bundle import:

    apply_security(config, serve_db, passwords_file)

Idempotent: roles are rebuilt, each dashboard's roles set to the roles whose `boards` name it
(DASHBOARD_RBAC), roster users created or updated (never their passwords once set), every RLS
filter whose name starts with "lastmile:" is deleted and recreated.

Only the standard library is imported at module level (bootstrap.py's promise); yaml, Superset's
models and the publish step (``pipelines.publish.open_served``, which opens the served file) are
imported inside the functions.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SECURITY_FILE = Path(__file__).resolve().parent / "security.yaml"
REPO_ROOT = SECURITY_FILE.parent.parent
RLS_PREFIX = "lastmile:"
ADMIN_ROLE = "Admin"


class SecurityConfigError(RuntimeError):
    """security.yaml or the roster does not allow a safe setup; the message says why."""


@dataclass(frozen=True)
class Person:
    username: str
    name: str
    email: str
    role: str
    active: bool


def load_config(path: Path = SECURITY_FILE) -> dict[str, Any]:
    import yaml

    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    roles = config["roles"]
    permission_sets = config["permission_sets"]
    for name, role in roles.items():
        if unknown := set(role["permissions"]) - set(permission_sets):
            raise SecurityConfigError(f"role {name}: unknown permission sets {sorted(unknown)}")
        boards = role.get("boards", [])
        if boards != "all" and not isinstance(boards, list):
            raise SecurityConfigError(f"role {name}: boards must be a list of slugs or 'all'")
        if role.get("schema_access") and not role["sees_all_rows"]:
            # RLS does not apply in SQL Lab: schema access would bypass the role's scope
            raise SecurityConfigError(f"role {name}: schema_access needs sees_all_rows")
    for scope in config["scopes"]:
        for role in scope["clauses"]:
            if role not in roles:
                raise SecurityConfigError(f"scope {scope['name']}: unknown role {role!r}")
    restricted = {name for name, role in roles.items() if not role["sees_all_rows"]}
    for scope in config["scopes"]:
        if extra := set(scope["clauses"]) - restricted:
            raise SecurityConfigError(f"scope {scope['name']}: {sorted(extra)} see all rows")
        # a restricted role without a clause would be exempt from the default deny yet unfiltered
        if missing := restricted - set(scope["clauses"]):
            raise SecurityConfigError(f"scope {scope['name']}: no clause for {sorted(missing)}")
    for roster_role, role in config["roster_roles"].items():
        if role not in roles:
            raise SecurityConfigError(f"roster role {roster_role!r} maps to unknown role {role!r}")
    return config


def scope_of(config: dict[str, Any], columns: set[str]) -> dict[str, Any] | None:
    """The row scope a dataset with these columns falls in (first match), or None."""
    return next((scope for scope in config["scopes"] if scope["column"] in columns), None)


def read_roster(config: dict[str, Any], serve_db: Path) -> list[Person]:
    """Everyone on the roster, read-only from the served file, with their Superset role."""
    if str(REPO_ROOT) not in sys.path:  # bootstrap.py runs as a script from dashboards/
        sys.path.append(str(REPO_ROOT))
    from pipelines.publish import open_served

    roster = config["roster"]
    columns = [
        roster[key]
        for key in (
            "username_column",
            "name_column",
            "email_column",
            "role_column",
            "active_column",
        )
    ]
    with open_served(serve_db, external_access=False) as connection:
        rows = connection.execute(
            f"select {', '.join(columns)} from {roster['table']} order by 1"
        ).fetchall()
    unmapped = sorted({row[3] for row in rows} - set(config["roster_roles"]))
    if unmapped:
        raise SecurityConfigError(
            f"roster roles {unmapped} have no Superset role: add them to roster_roles in "
            f"{SECURITY_FILE}"
        )
    people = [
        Person(
            username=username,
            name=name or username,
            email=email or f"{username}@lastmile.invalid",
            role=config["roster_roles"][role],
            active=bool(active),
        )
        for username, name, email, role, active in rows
    ]
    people += [
        Person(
            username=extra["username"],
            name=extra["name"],
            email=extra.get("email") or f"{extra['username']}@lastmile.invalid",
            role=extra["role"],
            active=True,
        )
        for extra in config.get("extra_users", [])
    ]
    usernames = [person.username for person in people]
    if len(usernames) != len(set(usernames)):
        raise SecurityConfigError("duplicate usernames on the roster / extra_users")
    return people


def ensure_passwords(passwords_file: Path, usernames: list[str]) -> dict[str, str]:
    """One generated password per login, kept in a mode-600 file outside version control."""
    passwords: dict[str, str] = {}
    if passwords_file.exists():
        passwords = json.loads(passwords_file.read_text())
    missing = [name for name in usernames if name not in passwords]
    if missing or not passwords_file.exists():
        for name in missing:
            passwords[name] = secrets.token_urlsafe(18)
        tmp = passwords_file.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(passwords, fh, indent=2, sort_keys=True)
            fh.write("\n")
        os.replace(tmp, passwords_file)
    if passwords_file.stat().st_mode & 0o077:
        passwords_file.chmod(0o600)
    return passwords


def _permission(permission: str, view: str):  # -> Superset's PermissionView
    from superset import security_manager

    pvm = security_manager.find_permission_view_menu(permission, view)
    if pvm is None:
        raise SecurityConfigError(
            f"Superset has no permission [{permission}, {view}]: fix security.yaml "
            "(was it renamed in a Superset upgrade?)"
        )
    return pvm


def _board_datasets(role: dict[str, Any]) -> list[Any]:
    """The datasets the charts of the role's boards use, as Superset models."""
    from superset import db
    from superset.models.dashboard import Dashboard

    boards = role.get("boards", [])
    query = db.session.query(Dashboard)
    if boards != "all":
        query = query.filter(Dashboard.slug.in_(boards))
    dashboards = query.all()
    if missing := (set() if boards == "all" else set(boards) - {d.slug for d in dashboards}):
        raise SecurityConfigError(f"boards {sorted(missing)} are not in the imported bundle")
    datasets = {chart.datasource.id: chart.datasource for d in dashboards for chart in d.slices}
    return [datasets[key] for key in sorted(datasets)]


def _sync_roles(config: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Each role rebuilt from its permission sets, its boards' datasets and (analysts) the
    schema; returns the roles and, per role, the board charts it cannot draw."""
    from superset import db, security_manager

    schema_perm = security_manager.get_schema_perm(config["database"], None, config["schema"])
    roles, hidden = {}, []
    for name, spec in config["roles"].items():
        permissions = []
        for set_name in spec["permissions"]:
            for permission, view in config["permission_sets"][set_name]:
                pvm = _permission(permission, view)
                if pvm not in permissions:
                    permissions.append(pvm)
        for dataset in _board_datasets(spec):
            columns = {column.column_name for column in dataset.columns if not column.expression}
            if not spec["sees_all_rows"] and scope_of(config, columns) is None:
                charts = sorted(chart.slice_name for chart in dataset.slices)
                hidden.append(f"{name} cannot draw {dataset.table_name}: {', '.join(charts)}")
                continue
            permissions.append(
                security_manager.add_permission_view_menu("datasource_access", dataset.perm)
            )
        if spec.get("schema_access"):
            permissions.append(
                security_manager.add_permission_view_menu("schema_access", schema_perm)
            )
        role = security_manager.add_role(name)
        role.permissions = permissions
        roles[name] = role
    db.session.commit()
    return roles, hidden


def _sync_dashboard_roles(config: dict[str, Any], roles: dict[str, Any]) -> list[str]:
    """Each imported dashboard's roles are exactly the Lastmile roles whose `boards` name it
    (DASHBOARD_RBAC): a role lists and opens only its boards. Returns one line per dashboard."""
    from superset import db
    from superset.models.dashboard import Dashboard

    summary = []
    for dashboard in db.session.query(Dashboard).order_by(Dashboard.slug).all():
        holders = [
            roles[name]
            for name, spec in config["roles"].items()
            if spec.get("boards") == "all" or dashboard.slug in spec.get("boards", [])
        ]
        dashboard.roles = holders
        summary.append(f"{dashboard.slug}: {', '.join(role.name for role in holders) or 'admin'}")
    db.session.commit()
    return summary


def _sync_users(people: list[Person], passwords: dict[str, str], roles: dict[str, Any]) -> None:
    from superset import db, security_manager
    from werkzeug.security import check_password_hash

    managed_roles = set(roles.values())
    on_roster = set()
    for person in people:
        on_roster.add(person.username)
        role = roles[person.role]
        user = security_manager.find_user(username=person.username)
        if user is None:
            user = security_manager.add_user(
                username=person.username,
                first_name=person.name,
                last_name=" ",
                email=person.email,
                role=role,
                password=passwords[person.username],
            )
            if not user:
                raise SecurityConfigError(f"could not create user {person.username}")
        elif not check_password_hash(user.password, passwords[person.username]):
            security_manager.reset_password(user.id, passwords[person.username])
            user = security_manager.find_user(username=person.username)
        user.first_name, user.email = person.name, person.email
        user.roles = [role]  # the roster decides: exactly one Lastmile role
        user.active = person.active
    # someone who left the roster keeps no access
    for user in db.session.query(security_manager.user_model).all():
        if user.username not in on_roster and managed_roles & set(user.roles):
            user.active = False
            user.roles = [r for r in user.roles if r not in managed_roles]
    db.session.commit()


def _sync_rls(config: dict[str, Any], roles: dict[str, Any]) -> list[str]:
    from superset import db, security_manager
    from superset.connectors.sqla.models import RowLevelSecurityFilter, SqlaTable
    from superset.models.core import Database
    from superset.utils.core import RowLevelSecurityFilterType

    database = db.session.query(Database).filter_by(database_name=config["database"]).one()
    datasets = (
        db.session.query(SqlaTable)
        .filter_by(database_id=database.id, schema=config["schema"])
        .order_by(SqlaTable.table_name)
        .all()
    )
    for old in db.session.query(RowLevelSecurityFilter).all():
        if old.name.startswith(RLS_PREFIX):
            db.session.delete(old)
    db.session.flush()

    unrestricted = [security_manager.find_role(ADMIN_ROLE)] + [
        roles[name] for name, spec in config["roles"].items() if spec["sees_all_rows"]
    ]
    scoped_roles = [
        roles[name] for name, spec in config["roles"].items() if not spec["sees_all_rows"]
    ]
    by_scope: dict[str, list[Any]] = {scope["name"]: [] for scope in config["scopes"]}
    unscoped: list[Any] = []
    for dataset in datasets:
        columns = {column.column_name for column in dataset.columns if not column.expression}
        scope = scope_of(config, columns)
        (by_scope[scope["name"]] if scope else unscoped).append(dataset)

    summary = []

    def add(name, filter_type, tables, filter_roles, clause, group_key=None):
        if not tables:
            return
        db.session.add(
            RowLevelSecurityFilter(
                name=f"{RLS_PREFIX} {name}",
                filter_type=filter_type,
                tables=tables,
                roles=filter_roles,
                clause=clause,
                group_key=group_key,
                description="managed by dashboards/security.yaml (bootstrap.py)",
            )
        )
        summary.append(f"{name}: {', '.join(t.table_name for t in tables)}")

    for scope in config["scopes"]:
        tables = by_scope[scope["name"]]
        for role_name, clause in scope["clauses"].items():
            add(
                f"{scope['name']} scope · {role_name}",
                RowLevelSecurityFilterType.REGULAR,
                tables,
                [roles[role_name]],
                " ".join(clause.split()),
                group_key=f"{scope['name']}_scope",
            )
    scoped_tables = [t for tables in by_scope.values() for t in tables]
    # default deny: exempt only who sees all rows, and the scoped roles where their clause applies
    add(
        "default deny (scoped datasets)",
        RowLevelSecurityFilterType.BASE,
        scoped_tables,
        unrestricted + scoped_roles,
        "1 = 0",
    )
    add("default deny", RowLevelSecurityFilterType.BASE, unscoped, unrestricted, "1 = 0")
    db.session.commit()
    return summary


def apply_security(serve_db: Path, passwords_file: Path, path: Path = SECURITY_FILE) -> None:
    config = load_config(path)
    people = read_roster(config, serve_db)
    passwords = ensure_passwords(passwords_file, [person.username for person in people])
    roles, hidden = _sync_roles(config)
    boards = _sync_dashboard_roles(config, roles)
    _sync_users(people, passwords, roles)
    summary = _sync_rls(config, roles)
    counts = {name: sum(p.role == name and p.active for p in people) for name in roles}
    print(f"security: {len(people)} logins ({counts}), passwords in {passwords_file}")
    for line in boards:
        print(f"  board {line}")
    for line in summary:
        print(f"  rls  {line}")
    for line in hidden:
        print(f"  role {line}")
