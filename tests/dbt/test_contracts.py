"""Every mart is a contract: its columns and their types are declared in its YAML and enforced
by dbt (a build whose SQL gives another column or type fails), with types that mean the same on
DuckDB and on Spark. The tables the dashboards read have exactly those types, and so do the
Superset bundle's datasets."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pipelines.config import DBT_PROJECT_DIR
from tests.dashboards.helpers import load_bundle
from tests.dbt.marts import MARTS_DIR, declared_types, duckdb_type

# portable types (a dbt contract casts null to each on the engine, so the name must parse on
# DuckDB and on Spark: Spark refuses varchar without a length, DuckDB has no `string` of its own
# but takes it as VARCHAR): text, flags, days, instants, whole numbers (bigint: DuckDB sums
# integers as HUGEINT, Spark counts rows as int, both are cast), ratios (double) and decimals
# that were rounded on purpose (money: decimal(38,2))
PORTABLE = {"string", "boolean", "date", "timestamp", "bigint", "double"}
DECIMAL = re.compile(r"decimal\(\d+,\d+\)")
MONEY = "decimal(38,2)"


@pytest.fixture(scope="module")
def mart_nodes(dbt_manifest: Path) -> dict[str, dict]:
    manifest = json.loads(dbt_manifest.read_text(encoding="utf-8"))
    return {
        node["name"]: node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and (DBT_PROJECT_DIR / node["original_file_path"]).is_relative_to(MARTS_DIR)
    }


def test_every_mart_enforces_its_contract(mart_nodes: dict[str, dict]) -> None:
    assert set(mart_nodes) == set(declared_types())
    for name, node in mart_nodes.items():
        assert node["config"]["contract"]["enforced"] is True, f"{name}: no enforced contract"
        assert node["columns"], f"{name}: no columns"
        untyped = [c for c, column in node["columns"].items() if not column.get("data_type")]
        assert not untyped, f"{name}: no data_type for {untyped}"
        if node["config"]["materialized"] == "incremental":
            # dbt's rule for contracted increments; 'fail' stops a daily run on a warehouse
            # built with other types (a --full-refresh rebuilds it, docs/operations.md)
            assert node["config"]["on_schema_change"] == "fail", name


def test_declared_types_are_portable() -> None:
    for mart, columns in declared_types().items():
        for column, data_type in columns.items():
            where = f"{mart}.{column}: {data_type}"
            assert data_type in PORTABLE or DECIMAL.fullmatch(data_type or ""), where
            if column.endswith("_cny"):
                assert data_type == MONEY, f"{where}: money is {MONEY}"


def test_the_bundle_declares_the_contracted_types() -> None:
    """Each dataset column of dashboards/bundle/ has the type of its mart's contract, as DuckDB
    names it (what Superset reads from the served file)."""
    declared = declared_types()
    bundle = load_bundle()
    for uuid, dataset in bundle.datasets.items():
        columns = declared[dataset["table_name"]]
        for column in dataset["columns"]:
            if column.get("expression"):
                continue
            name = column["column_name"]
            assert column["type"] == duckdb_type(columns[name]), (
                f"{bundle.files[uuid].name}: {name} is {column['type']}, "
                f"the contract says {columns[name]} ({duckdb_type(columns[name])})"
            )


def test_the_served_marts_have_the_contracted_types(mart) -> None:
    """The published file holds every mart with exactly its contract's columns, in the YAML's
    order, and types; so the bundle's datasets (checked above) match the real tables."""
    built: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in mart.execute(
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_schema = 'marts' order by table_name, ordinal_position"
    ).fetchall():
        built.setdefault(table, []).append((column, data_type))
    declared = declared_types()
    assert set(built) == set(declared)
    for table, columns in declared.items():
        assert built[table] == [(c, duckdb_type(t)) for c, t in columns.items()], table
