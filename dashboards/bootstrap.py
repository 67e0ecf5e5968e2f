"""Build or update Lastmile's Superset in one process, idempotently.

    .venv-superset/bin/python dashboards/bootstrap.py                # migrate, init, import
    .venv-superset/bin/python dashboards/bootstrap.py --credentials  # where the logins are

Environment (all optional):
    LASTMILE_HOME          runtime data root, default <repo>/var
    LASTMILE_SERVE_DB      the published, read-only DuckDB file,
                           default $LASTMILE_HOME/warehouse/lastmile.duckdb (must exist)
    SUPERSET_SECRET_KEY    overrides the generated secret key
    LASTMILE_SUPERSET_ADMIN_PASSWORD  overrides the generated admin password
    LASTMILE_SUPERSET_DATABASE_URI    the metadata database (SQLAlchemy URI, e.g. PostgreSQL in
                           production); default the SQLite file $SUPERSET_HOME/superset.db

SUPERSET_HOME ($LASTMILE_HOME/superset) and SUPERSET_CONFIG_PATH (dashboards/superset_config.py)
are derived here; if they are already set to something else the script stops.

Steps, inside one Superset app context: generate $SUPERSET_HOME/secrets.json once (mode 600),
upgrade the metadata database, sync roles and permissions (`superset init`), create or update
the admin user, import dashboards/bundle/ with ImportAssetsCommand (overwrites by UUID, fixes
chart → dataset references) after writing the DuckDB path into the database YAML, then apply
dashboards/security.yaml (dashboards/security.py): roles, one login per person on the roster
(passwords generated once into $SUPERSET_HOME/user_passwords.json, mode 600) and row-level
security on every imported dataset.

Only the standard library is imported at module level, so `--credentials` and the
helpers used by serve.py work without loading Superset.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from security import SecurityConfigError, apply_security

DASHBOARDS_DIR = Path(__file__).resolve().parent
REPO_ROOT = DASHBOARDS_DIR.parent
BUNDLE_DIR = DASHBOARDS_DIR / "bundle"
CONFIG_PATH = DASHBOARDS_DIR / "superset_config.py"

# The bundle's database YAML holds this placeholder instead of a machine's path.
SERVE_DB_PLACEHOLDER = "${LASTMILE_SERVE_DB}"
DEFAULT_ADMIN_USERNAME = "lastmile_admin"
# read by superset_config.py; unset means the embedded SQLite file (Paths.metadata_db)
METADATA_URI_VAR = "LASTMILE_SUPERSET_DATABASE_URI"


class BootstrapError(RuntimeError):
    """A precondition failed; the message says what to do."""


@dataclass(frozen=True)
class Paths:
    lastmile_home: Path
    superset_home: Path
    serve_db: Path

    @property
    def secrets_file(self) -> Path:
        return self.superset_home / "secrets.json"

    @property
    def passwords_file(self) -> Path:
        """Generated passwords of the roster's logins (dashboards/security.yaml)."""
        return self.superset_home / "user_passwords.json"

    @property
    def metadata_db(self) -> Path:
        """The embedded metadata database, used unless LASTMILE_SUPERSET_DATABASE_URI is set."""
        return self.superset_home / "superset.db"


def uses_embedded_metadata(environ: dict[str, str] | None = None) -> bool:
    """True when Superset's metadata is the SQLite file, not LASTMILE_SUPERSET_DATABASE_URI."""
    env = os.environ if environ is None else environ
    return not env.get(METADATA_URI_VAR, "").strip()


def resolve_paths(environ: dict[str, str] | None = None) -> Paths:
    """Runtime paths from the environment, all absolute. No I/O."""
    env = os.environ if environ is None else environ
    home = Path(env.get("LASTMILE_HOME") or REPO_ROOT / "var").expanduser().resolve()
    serve_db = env.get("LASTMILE_SERVE_DB") or str(home / "warehouse" / "lastmile.duckdb")
    return Paths(
        lastmile_home=home,
        superset_home=home / "superset",
        serve_db=Path(serve_db).expanduser().resolve(),
    )


def superset_environ(paths: Paths, environ: dict[str, str] | None = None) -> dict[str, str]:
    """The environment a Superset process needs; refuses conflicting pre-set values."""
    env = dict(os.environ if environ is None else environ)
    wanted = {
        "SUPERSET_HOME": str(paths.superset_home),
        "SUPERSET_CONFIG_PATH": str(CONFIG_PATH),
    }
    for name, value in wanted.items():
        current = env.get(name)
        if current and Path(current).resolve() != Path(value):
            raise BootstrapError(
                f"{name} is set to {current!r} but Lastmile uses {value!r} "
                f"(derived from LASTMILE_HOME); unset {name}"
            )
    env.update(wanted)
    env["LASTMILE_HOME"] = str(paths.lastmile_home)
    env["LASTMILE_SERVE_DB"] = str(paths.serve_db)
    return env


def ensure_secrets(paths: Paths) -> dict[str, str]:
    """Generate secrets.json once per installation (mode 600); return its content."""
    paths.superset_home.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not paths.secrets_file.exists():
        content = {
            "secret_key": secrets.token_urlsafe(48),
            "admin_username": DEFAULT_ADMIN_USERNAME,
            "admin_password": secrets.token_urlsafe(18),
        }
        # O_EXCL: never overwrite a file another process created meanwhile.
        fd = os.open(paths.secrets_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(content, fh, indent=2)
            fh.write("\n")
        print(f"generated {paths.secrets_file}")
    if paths.secrets_file.stat().st_mode & 0o077:
        paths.secrets_file.chmod(0o600)
    return json.loads(paths.secrets_file.read_text())


def admin_credentials(paths: Paths, environ: dict[str, str] | None = None) -> tuple[str, str]:
    """(username, password) of the admin; the env var overrides the generated password."""
    env = os.environ if environ is None else environ
    stored = json.loads(paths.secrets_file.read_text())
    password = env.get("LASTMILE_SUPERSET_ADMIN_PASSWORD") or stored["admin_password"]
    return stored.get("admin_username", DEFAULT_ADMIN_USERNAME), password


def check_serve_db(serve_db: Path) -> None:
    if not serve_db.is_file():
        raise BootstrapError(
            f"served DuckDB file {serve_db} does not exist: run the pipeline's publish step "
            "first, or point LASTMILE_SERVE_DB at a published file"
        )
    if any(char in str(serve_db) for char in "?#%"):
        raise BootstrapError(f"served DuckDB path {serve_db} must not contain ?, # or %")


def load_bundle(serve_db: Path, bundle_dir: Path = BUNDLE_DIR) -> dict[str, str]:
    """Bundle files keyed as ImportAssetsCommand expects: `metadata.yaml`,
    `databases/x.yaml`, ... (relative to the bundle root), with the DuckDB path filled in."""
    import yaml  # in both environments; imported here to keep module import light

    contents: dict[str, str] = {}
    for path in sorted(bundle_dir.rglob("*.yaml")):
        key = path.relative_to(bundle_dir).as_posix()
        text = path.read_text(encoding="utf-8")
        if key.startswith("databases/"):
            config = yaml.safe_load(text)
            uri = config.get("sqlalchemy_uri", "")
            if SERVE_DB_PLACEHOLDER not in uri:
                raise BootstrapError(
                    f"{path}: sqlalchemy_uri {uri!r} must contain {SERVE_DB_PLACEHOLDER}"
                )
            config["sqlalchemy_uri"] = uri.replace(SERVE_DB_PLACEHOLDER, str(serve_db))
            text = yaml.safe_dump(config, allow_unicode=True, sort_keys=False)
        contents[key] = text
    if "metadata.yaml" not in contents:
        raise BootstrapError(f"{bundle_dir} has no metadata.yaml")
    return contents


@contextmanager
def libyaml_safe_load() -> Iterator[None]:
    """While it runs, ``yaml.safe_load`` is PyYAML's safe loader in libyaml (C): Superset's
    import parses each of the bundle's ~100 files three times with the pure-Python one, ~10 s of
    a bootstrap on two cores. The same loader rules, the same objects (tests/dashboards/
    test_bundle.py compares both on every bundle file)."""
    import yaml

    if not getattr(yaml, "__with_libyaml__", False):
        yield
        return
    original = yaml.safe_load

    def safe_load(stream):
        return yaml.load(stream, Loader=yaml.CSafeLoader)  # noqa: S506 - the safe loader, in C

    yaml.safe_load = safe_load
    try:
        yield
    finally:
        yaml.safe_load = original


def _ensure_admin(username: str, password: str):  # -> Superset's User model
    from superset import db, security_manager
    from werkzeug.security import check_password_hash

    role = security_manager.find_role("Admin")
    user = security_manager.find_user(username=username)
    if user is None:
        user = security_manager.add_user(
            username=username,
            first_name="Lastmile",
            last_name="Admin",
            email=f"{username}@lastmile.invalid",
            role=role,
            password=password,
        )
        if not user:
            raise BootstrapError(f"could not create Superset user {username}")
        print(f"created admin user {username}")
        return user
    if role not in user.roles:
        user.roles.append(role)
    if not user.active:
        user.active = True
    if not check_password_hash(user.password, password):
        security_manager.reset_password(user.id, password)
        print(f"reset password of {username}")
    db.session.commit()
    return user


def _print_summary(contents: dict[str, str]) -> None:
    """One line per imported object, read back from Superset's metadata by UUID."""
    import yaml
    from superset import db
    from superset.connectors.sqla.models import SqlaTable
    from superset.models.core import Database
    from superset.models.dashboard import Dashboard
    from superset.models.slice import Slice

    describe = {
        "databases": (Database, lambda obj: obj.database_name),
        "datasets": (SqlaTable, lambda obj: f"{obj.schema}.{obj.table_name}"),
        "charts": (Slice, lambda obj: f"{obj.slice_name} ({obj.viz_type})"),
        "dashboards": (
            Dashboard,
            lambda obj: f"{obj.dashboard_title}  /superset/dashboard/{obj.slug or obj.id}/",
        ),
    }
    for kind, (model, label) in describe.items():
        for key in sorted(name for name in contents if name.startswith(f"{kind}/")):
            uuid = yaml.safe_load(contents[key])["uuid"]
            obj = db.session.query(model).filter_by(uuid=uuid).one()
            print(f"  {kind:<10} id={obj.id:<3} {label(obj)}")


def bootstrap(paths: Paths) -> None:
    started = time.monotonic()
    check_serve_db(paths.serve_db)
    os.environ.update(superset_environ(paths))
    ensure_secrets(paths)
    username, password = admin_credentials(paths)
    contents = load_bundle(paths.serve_db)

    from sqlalchemy.exc import SAWarning
    from superset.app import create_app

    # Superset's own migrations and models emit dozens of harmless SQLAlchemy warnings.
    warnings.filterwarnings("ignore", category=SAWarning)
    app = create_app()
    with app.app_context():
        # Superset's models can only be imported once the app exists.
        from flask_migrate import upgrade
        from superset import appbuilder, db, security_manager
        from superset.commands.exceptions import CommandInvalidError
        from superset.commands.importers.v1.assets import ImportAssetsCommand
        from superset.utils.core import override_user

        # the URL's repr hides the password
        print(f"metadata database: {db.engine.url!r}")
        upgrade()  # `superset db upgrade`
        appbuilder.add_permissions(update_perms=True)  # `superset init`
        security_manager.sync_role_definitions()
        admin = _ensure_admin(username, password)
        with override_user(admin), libyaml_safe_load():
            command = ImportAssetsCommand(contents)
            try:
                # run() reports a failed validation only as "Import failed for an unknown
                # reason": validate first to surface the schema messages.
                command.validate()
            except CommandInvalidError as exc:
                messages = exc.normalized_messages()
                raise BootstrapError(f"the bundle does not validate: {messages}") from exc
            command.run()  # overwrites databases, datasets, charts, dashboards by UUID
        print(f"imported {len(contents)} bundle files from {BUNDLE_DIR}, DuckDB {paths.serve_db}")
        _print_summary(contents)
        # roles, logins and row-level security are not in bundles: dashboards/security.yaml
        try:
            apply_security(paths.serve_db, paths.passwords_file)
        except SecurityConfigError as exc:
            raise BootstrapError(str(exc)) from exc
    print(credentials_hint(paths))
    print(f"bootstrap done in {time.monotonic() - started:.1f} s")


def credentials_hint(paths: Paths) -> str:
    """The admin login and where the roster's logins are, for `make demo` to print: the
    generated passwords are this installation's own (mode-600 files, never committed); a
    password from the environment is not echoed."""
    if not paths.secrets_file.is_file():
        raise BootstrapError(f"{paths.secrets_file} does not exist yet: run the bootstrap first")
    username, password = admin_credentials(paths)
    if os.environ.get("LASTMILE_SUPERSET_ADMIN_PASSWORD"):
        admin = f"Superset login: {username} / $LASTMILE_SUPERSET_ADMIN_PASSWORD"
    else:
        admin = f"Superset login: {username} / {password}   (stored in {paths.secrets_file})"
    return (
        f"{admin}\n"
        "Roster logins (username = CRM rep id, and lastmile_analyst): passwords in "
        f"{paths.passwords_file}; roles and row-level security from dashboards/security.yaml"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--credentials",
        action="store_true",
        help="only print the admin login (the generated password, or where it comes from)",
    )
    args = parser.parse_args(argv)
    paths = resolve_paths()
    try:
        if args.credentials:
            print(credentials_hint(paths))
        else:
            bootstrap(paths)
    except BootstrapError as exc:
        print(f"bootstrap: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
