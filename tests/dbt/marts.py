"""The marts' contracts as their YAMLs declare them: each ``marts/<domain>/<mart>.sql`` has a
``_<mart>.yml`` whose columns carry a ``data_type`` (dbt enforces it: dbt_project.yml sets
``contract: {enforced: true}`` on the marts). Plain file reading, no dbt run."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import duckdb
import yaml

from pipelines.config import DBT_PROJECT_DIR

MARTS_DIR = DBT_PROJECT_DIR / "models" / "marts"


def mart_yaml(sql: Path) -> Path:
    """Where a mart's properties live: ``_<mart>.yml`` beside ``<mart>.sql``."""
    return sql.parent / f"_{sql.stem}.yml"


def mart_properties(sql: Path) -> dict:
    """The one model entry of a mart's ``_<mart>.yml``."""
    properties = yaml.safe_load(mart_yaml(sql).read_text(encoding="utf-8"))
    [model] = [m for m in properties.get("models", []) if m["name"] == sql.stem]
    return model


def declared_types() -> dict[str, dict[str, str | None]]:
    """{mart: {column: data_type as declared (None when missing)}}, in the YAML's order."""
    return {
        sql.stem: {c["name"]: c.get("data_type") for c in mart_properties(sql).get("columns", [])}
        for sql in sorted(MARTS_DIR.rglob("*.sql"))
    }


@cache
def duckdb_type(data_type: str) -> str:
    """How DuckDB names a declared type (``string`` → ``VARCHAR``, ``decimal(38,2)`` →
    ``DECIMAL(38,2)``): the name a built table's column and a Superset dataset column carry."""
    with duckdb.connect() as conn:
        return conn.execute(f"select typeof(cast(null as {data_type}))").fetchone()[0]
