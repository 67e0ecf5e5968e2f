"""The settings reach dbt through the resources, never through the step's own environment.

The ``Warehouse`` resource's config fields are bound to their environment variables
(pipelines/definitions.py); the dbt asset builds dbt's variables from that resource and its
engine and hands them to the dbt subprocess only (``DbtCliResourceWithEnv``): ``os.environ`` is
the same after the step as before it.
"""

import logging
import os
from pathlib import Path

import dagster as dg
import dagster_dbt.core.resource as dagster_dbt_resource
import duckdb
import pytest
from dagster_dbt import DbtCliInvocation

from pipelines.config import SETTINGS_ENV, load_settings
from pipelines.engines import ENGINES, DuckDBWarehouse, SparkWarehouse
from pipelines.resources import WAREHOUSE_ENV, Warehouse
from pipelines.transform.dbt import (
    DbtCliResourceWithEnv,
    build_dbt_assets,
    dbt_executable,
    lastmile_dbt_project,
    profile_env,
)


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
    # the engine field picks its class from the one list of engines; anything else is refused
    assert type(Warehouse(engine="spark").build_engine()) is SparkWarehouse is ENGINES["spark"]
    assert type(Warehouse().build_engine()) is DuckDBWarehouse
    with pytest.raises(ValueError, match="LASTMILE_ENGINE='hive'"):
        Warehouse(engine="hive").settings()


# what RecordingDbt was asked to run: (args, env, os.environ at the time)
CALLS: list[tuple[list[str], dict[str, str], dict[str, str]]] = []


class RecordingDbt(DbtCliResourceWithEnv):
    """The dbt resource of the asset, recording what it would run instead of running dbt. For
    Spark it writes what dbt on Spark exports (one row per model read after the build)."""

    def cli(self, args, *, env=None, **kwargs):
        CALLS.append((list(args), dict(env or {}), dict(os.environ)))
        if env and env.get("LASTMILE_SPARK_EXPORT"):
            export = Path(env["LASTMILE_SPARK_EXPORT_DIR"])
            with duckdb.connect() as conn:
                for relation in env["LASTMILE_SPARK_EXPORT"].split(","):
                    folder = export / Path(*relation.split("."))
                    folder.mkdir(parents=True)
                    conn.execute(f"copy (select 1 as x) to '{folder / 'part-0.parquet'}'")
        return Finished()


class Finished:
    """A dbt invocation that built nothing and succeeded."""

    def stream(self):
        return iter(())

    def is_successful(self) -> bool:
        return True


@pytest.mark.parametrize("engine", ["duckdb", "spark"])
def test_the_dbt_step_gives_its_variables_to_dbt_and_leaves_os_environ_alone(
    engine, dbt_manifest, tmp_path
):
    project = lastmile_dbt_project()
    build = tmp_path / "build.duckdb"
    duckdb.connect(str(build)).close()  # the ingestion's file, which Spark's lake is made from
    warehouse = Warehouse(
        home=str(tmp_path), build_db=str(build), engine=engine, pii_key="key-from-the-resource"
    )
    assert os.environ.get("LASTMILE_BUILD_DB") != str(build)  # the session's own file
    before = dict(os.environ)
    CALLS.clear()
    result = dg.materialize(
        [build_dbt_assets(project)],
        resources={
            "warehouse": warehouse,
            "dbt": RecordingDbt(project_dir=project, dbt_executable=dbt_executable()),
        },
    )
    assert result.success
    assert dict(os.environ) == before  # the step set nothing in its own environment
    [(args, env, environ_during)] = CALLS
    assert args[0] == "build"
    assert environ_during == before  # not even while dbt was being started
    assert env["LASTMILE_BUILD_DB"] == str(build)
    assert env["LASTMILE_PII_KEY"] == "key-from-the-resource"
    assert env["LASTMILE_DBT_TARGET"] == ("spark" if engine == "spark" else "dev")
    if engine == "spark":
        assert env["LASTMILE_SPARK_LAKE"] == str(tmp_path / "spark" / "lake")
        assert env["SPARK_CONF_DIR"] == str(tmp_path / "spark" / "conf")
        exported = env["LASTMILE_SPARK_EXPORT"].split(",")
        assert "intermediate.int_evaluation_date" in exported
        with duckdb.connect(str(build), read_only=True) as conn:  # brought back after dbt
            for relation in exported:
                assert conn.execute(f"select x from {relation}").fetchall() == [(1,)]
    else:
        assert not any(name.startswith(("SPARK_", "LASTMILE_SPARK")) for name in env)


def test_the_dbt_target_is_the_resources_not_fixed_when_the_code_loaded(tmp_path, monkeypatch):
    """The project carries no target, so dagster-dbt adds no ``--target`` to dbt's command line:
    ``profiles.yml`` reads the target the dbt step hands dbt from the ``Warehouse`` resource,
    and a run launched with another ``dbt_target`` builds on it (the code location loaded with
    ``ci`` here)."""
    monkeypatch.setenv("LASTMILE_DBT_TARGET", "ci")
    project = lastmile_dbt_project()
    assert project.target is None
    dbt = DbtCliResourceWithEnv(project_dir=project, dbt_executable=dbt_executable())
    assert dbt.target is None
    profile = (project.profiles_dir / "profiles.yml").read_text(encoding="utf-8")
    assert "target: \"{{ env_var('LASTMILE_DBT_TARGET', 'dev') }}\"" in profile
    warehouse = Warehouse(home=str(tmp_path), dbt_target="prod", pii_key="k")
    assert profile_env(warehouse)["LASTMILE_DBT_TARGET"] == "prod"


def test_the_dbt_subprocess_receives_the_variables(tmp_path, monkeypatch, caplog):
    """A real dbt process, on a one-file project whose profile reads its DuckDB file from
    LASTMILE_BUILD_DB as Lastmile's does: it reads the build file, the PII key and a Spark
    variable that are only in ``env``, none of them in this process's environment."""
    for var in ("LASTMILE_BUILD_DB", "LASTMILE_PII_KEY", "LASTMILE_SPARK_LAKE"):
        monkeypatch.delenv(var, raising=False)
    project = tmp_path / "probe"
    project.mkdir()
    (project / "dbt_project.yml").write_text(
        "name: probe\nversion: '1.0'\nprofile: probe\n", encoding="utf-8"
    )
    (project / "profiles.yml").write_text(
        "probe:\n  target: ci\n  outputs:\n    ci:\n      type: duckdb\n"
        "      path: \"{{ env_var('LASTMILE_BUILD_DB') }}\"\n",
        encoding="utf-8",
    )
    dbt = DbtCliResourceWithEnv(
        project_dir=str(project), profiles_dir=str(project), dbt_executable=dbt_executable()
    )
    build = tmp_path / "only-in-env.duckdb"
    env = {
        "LASTMILE_BUILD_DB": str(build),
        "LASTMILE_PII_KEY": "key-only-in-env",
        "LASTMILE_SPARK_LAKE": str(tmp_path / "lake"),
    }
    before = dict(os.environ)
    inline = (
        "select '{{ env_var(\"LASTMILE_PII_KEY\") }}' as pii_key, "
        "'{{ env_var(\"LASTMILE_SPARK_LAKE\") }}' as lake, "
        "'{{ target.name }}:{{ target.path }}' as target"
    )
    invocation = dbt.cli(["compile", "--inline", inline], env=env, raise_on_error=False)
    assert dagster_dbt_resource.DbtCliInvocation is DbtCliInvocation  # the hook is gone again
    compiled = [
        event.raw_event["data"]["compiled"]
        for event in invocation.stream_raw_events()
        if event.raw_event["info"]["name"] == "CompiledNode"
    ]
    assert invocation.is_successful(), invocation.get_error()
    assert dict(os.environ) == before
    # no in-process adapter rendering profiles.yml without the variables: no warning logged
    assert invocation.adapter is None
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    lake = tmp_path / "lake"
    assert compiled == [
        f"select 'key-only-in-env' as pii_key, '{lake}' as lake, 'ci:{build}' as target"
    ]
    # without env, the same resource gives dbt this process's environment, as dagster-dbt does
    plain = dbt.cli(["compile", "--inline", inline], raise_on_error=False)
    plain.wait()
    assert not plain.is_successful()  # LASTMILE_BUILD_DB is nowhere: profiles.yml cannot render
