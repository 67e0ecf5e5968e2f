"""The engine boundary (issue 17): only the DuckDB implementation of the warehouse imports duckdb.

Every other module of the product (``pipelines/``, ``dashboards/``) reaches the warehouse through
names those modules give: the connection type and error (``pipelines.engines.Connection``,
``WarehouseError``), the build file (``pipelines.engines.connect``, ``connect_file``, the
``Warehouse`` resource) and the served file (``pipelines.publish.open_served``). A second engine
replaces these modules, not every caller. ``tests/`` and ``tooling/`` (bench and test support) are
not product and are not checked.
"""

from __future__ import annotations

import ast
import json
import subprocess

import duckdb

from pipelines.config import REPO_ROOT
from tooling.bench.superset import SUPERSET_PYTHON

CHECKED = ("pipelines", "dashboards")
# the only product modules that may import duckdb, and why
ALLOWED = {
    # the DuckDB implementation of the warehouse engines: connect(), Connection, WarehouseError
    "pipelines/engines.py",
    # the Warehouse resource: its connect() is the build file's
    "pipelines/resources.py",
    # the publish step: writes the served file, and owns reading it (open_served)
    "pipelines/publish.py",
}


def imported_modules(node: ast.AST) -> list[str]:
    """The absolute modules ``node`` imports: ``import a, b``, ``from a import x``,
    ``importlib.import_module("a")``, ``__import__("a")`` (a relative import names none)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        return [node.module] if node.level == 0 and node.module else []
    if (
        isinstance(node, ast.Call)
        and getattr(node.func, "attr", getattr(node.func, "id", None))
        in ("import_module", "__import__")
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    ):
        return [node.args[0].value]
    return []


def duckdb_imports(source: str) -> list[int]:
    """The lines that import duckdb (or a submodule of it), at any depth (inside functions and
    ``if TYPE_CHECKING:`` blocks too)."""
    return sorted(
        node.lineno
        for node in ast.walk(ast.parse(source))
        if any(m == "duckdb" or m.startswith("duckdb.") for m in imported_modules(node))
    )


def test_the_check_sees_every_form_of_import():
    source = (
        "import os, duckdb\n"
        "from duckdb import DuckDBPyConnection\n"
        "def f():\n"
        "    import duckdb.typing\n"
        "    importlib.import_module('duckdb')\n"
        "import superset.db_engine_specs.duckdb as specs\n"  # Superset's module, not duckdb
        "from .duckdb import x\n"  # a relative module of that name, not duckdb
    )
    assert duckdb_imports(source) == [1, 2, 4, 5]


def test_only_the_warehouse_implementation_imports_duckdb():
    offending = {
        f"{path.relative_to(REPO_ROOT).as_posix()}:{line}"
        for folder in CHECKED
        for path in sorted((REPO_ROOT / folder).rglob("*.py"))
        if path.relative_to(REPO_ROOT).as_posix() not in ALLOWED
        for line in duckdb_imports(path.read_text(encoding="utf-8"))
    }
    assert not offending, (
        "duckdb imported outside the warehouse's DuckDB implementation "
        f"({', '.join(sorted(ALLOWED))}): {sorted(offending)}"
    )


def test_the_allowed_modules_exist():
    assert all((REPO_ROOT / path).is_file() for path in ALLOWED)


def test_the_bootstrap_reads_the_roster_through_the_publish_step(tmp_path):
    """dashboards/security.py reads the served file with ``pipelines.publish.open_served`` in
    the Superset environment, which has no Dagster: the publish step imports it only to build
    its asset."""
    assert SUPERSET_PYTHON.exists(), f"{SUPERSET_PYTHON} missing: run `make setup`"
    served = tmp_path / "lastmile.duckdb"
    with duckdb.connect(str(served)) as conn:
        conn.execute("create schema marts")
        conn.execute(
            "create table marts.dim_sales_staff as select * from (values "
            "('r1', '张三', 'r1@example.com', 'rep', true), "
            "('r2', null, null, 'sales_director', false)) "
            "t(rep_id, rep_name, email, rep_role, is_active)"
        )
    script = (
        "import json, sys\n"
        f"sys.path.insert(0, {str(REPO_ROOT / 'dashboards')!r})\n"
        "from pathlib import Path\n"
        "import security\n"
        f"people = security.read_roster(security.load_config(), Path({str(served)!r}))\n"
        "print(json.dumps({'people': [[p.username, p.role, p.active] for p in people],\n"
        "                  'dagster': 'dagster' in sys.modules}))\n"
    )
    done = subprocess.run(
        [str(SUPERSET_PYTHON), "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["dagster"] is False
    assert result["people"][:2] == [
        ["r1", "Lastmile Rep", True],
        ["r2", "Lastmile Manager", False],
    ]
