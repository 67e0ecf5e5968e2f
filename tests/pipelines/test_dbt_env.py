"""The settings reach dbt through the resources.

The ``Warehouse`` resource's config fields are bound to their environment variables
(pipelines/definitions.py), so the Dagster UI shows them.
"""

from pathlib import Path

import dagster as dg
import pytest

from pipelines.config import SETTINGS_ENV, load_settings
from pipelines.resources import ENGINES, WAREHOUSE_ENV, DuckDBWarehouse, SparkWarehouse, Warehouse


def variables(root: Path, engine: str = "duckdb") -> dict[str, str]:
    """A value for every variable of the Warehouse resource, none of them a default."""
    return {
        "LASTMILE_HOME": str(root / "home"),
        "LASTMILE_LANDING_DIR": str(root / "landing"),
        "LASTMILE_BUILD_DB": str(root / "db" / "build.duckdb"),
        "LASTMILE_SERVE_DB": str(root / "db" / "served.duckdb"),
        "LASTMILE_DBT_TARGET": "ci",
        "LASTMILE_ENGINE": engine,
        "LASTMILE_PII_KEY": "key-from-the-environment",
    }


def test_every_setting_is_a_field_of_the_warehouse_read_from_its_variable(tmp_path, monkeypatch):
    from pipelines.definitions import warehouse_resource

    env = variables(tmp_path)
    assert set(env) == set(WAREHOUSE_ENV.values())
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    resource = warehouse_resource()
    for field, var in WAREHOUSE_ENV.items():
        bound = getattr(resource, field)
        assert isinstance(bound, dg.EnvVar) and bound == var, field  # the UI names the variable
        description = Warehouse.model_fields[field].description
        assert description.startswith(f"{var}: "), field  # and says what it is
    with dg.build_resources({"warehouse": resource}) as built:  # read as a run reads them
        warehouse = built.warehouse
    assert warehouse.environment() == env
    assert warehouse.settings() == load_settings(env) == load_settings()
    assert warehouse.settings().build_db == Path(env["LASTMILE_BUILD_DB"])
    assert warehouse.hashing_key() == "key-from-the-environment"
    assert Warehouse.from_environment() == warehouse
    # the settings' own names are the resource's fields, each read from its own variable
    assert set(SETTINGS_ENV) <= set(Warehouse.model_fields)
    for field in SETTINGS_ENV:
        if field != "engine":  # a name, not a path: checked below
            assert str(getattr(warehouse.settings(), field)) == env[SETTINGS_ENV[field]]


def test_an_unset_variable_leaves_its_field_to_the_default(tmp_path, monkeypatch):
    from pipelines.definitions import warehouse_resource

    for var in WAREHOUSE_ENV.values():
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LASTMILE_HOME", str(tmp_path))
    resource = warehouse_resource()
    assert resource.home == "LASTMILE_HOME" and resource.build_db is None
    with dg.build_resources({"warehouse": resource}) as built:
        settings = built.warehouse.settings()
    assert settings == load_settings({"LASTMILE_HOME": str(tmp_path)})
    assert settings.build_db == tmp_path / "warehouse" / "build.duckdb"
    assert settings.engine == "duckdb" and settings.dbt_target == "dev"
    # the engine field picks the class that builds there; anything else is refused
    assert type(Warehouse(engine="spark").build_engine()) is SparkWarehouse is ENGINES["spark"]
    assert type(Warehouse().build_engine()) is DuckDBWarehouse
    with pytest.raises(ValueError, match="LASTMILE_ENGINE='hive'"):
        Warehouse(engine="hive").settings()
