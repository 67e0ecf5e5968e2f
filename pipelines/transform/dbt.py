"""The dbt project as Dagster assets (dagster-dbt), built with ``dbt build`` so tests run too.

The large facts are dbt incremental models: an everyday run adds what is new. The whole project
is rebuilt from all history (``dbt build --full-refresh``) when the run asks for it (the weekly
``lastmile_full_rebuild`` job, ``python -m pipelines.run --full-refresh``), on the first build of
a warehouse, and whenever a business rule (seed), a model or a macro changed since the last full
rebuild — so a manager's rule change is applied to history in the next run, not next week.

Every build evaluates one day (``pipelines.evaluation``): the run's ``lastmile/evaluation_date``
tag, given to dbt's process as ``LASTMILE_AS_OF`` (:func:`dbt_build_env`), and shown on every
model's materialization.

The variables dbt reads (``profiles.yml``'s build file, target and PII key; Spark's settings) come
from the ``Warehouse`` resource and its engine, and go to dbt's process only
(:class:`DbtCliResourceWithEnv`): the step never sets them in its own environment.
"""

import json
import os
import shutil
import sys
import threading
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime
from functools import cached_property
from importlib.metadata import version as installed_version
from pathlib import Path

import dagster as dg
import dagster_dbt.core.resource as dagster_dbt_resource
from dagster_dbt import (
    DagsterDbtTranslator,
    DbtCliInvocation,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)
from packaging.version import Version

from pipelines.changes import DEFINITION_PATHS, definitions_fingerprint  # noqa: F401
from pipelines.config import DBT_PROJECT_DIR, PARTIAL_PARSE, Settings
from pipelines.engines import relations_read_after_build
from pipelines.evaluation import ENV_VAR as EVALUATION_ENV_VAR
from pipelines.evaluation import EVALUATION_TAG, evaluation_date_of_run, evaluation_tags
from pipelines.jobs import DBT_ASSETS_NAME
from pipelines.publish import PUBLISHED_SCHEMAS
from pipelines.resources import BUILD_DB_POOL, Warehouse
from pipelines.rules import validate_rules


class DbtBuildConfig(dg.Config):
    full_refresh: bool = False


# one dbt invocation at a time starts with variables of its own (see _subprocess_env)
_SUBPROCESS_ENV_LOCK = threading.Lock()
# the variables of the dbt invocation being started, if it has any
_SUBPROCESS_ENV: ContextVar[dict[str, str] | None] = ContextVar("subprocess_env", default=None)


class DbtCliResourceWithEnv(DbtCliResource):
    """dagster-dbt's ``DbtCliResource`` whose ``cli`` also takes ``env``: variables for the dbt
    subprocess only, over those dagster-dbt gives it (this process's environment and its own
    ``DBT_*``). This process's ``os.environ`` is never changed."""

    def cli(
        self, args: Sequence[str], *, env: Mapping[str, str] | None = None, **kwargs
    ) -> DbtCliInvocation:
        if not env:
            return super().cli(args, **kwargs)
        with _subprocess_env(env):
            return super().cli(args, **kwargs)

    @cached_property
    def _cli_version(self) -> Version:
        """The version of dbt-core installed beside this process (``dbt_executable`` is this
        environment's dbt). dagster-dbt asks ``dbt --version`` in a subprocess before every dbt
        command: ~5 s of dbt's imports per run, and a look-up of the latest release online."""
        return Version(installed_version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]):
        """dagster-dbt's in-process dbt adapter serves only ``fetch_row_counts`` and
        ``fetch_column_metadata``, which Lastmile does not call, and renders ``profiles.yml``
        from this process's environment, which lacks the variables given to ``cli(env=...)``:
        with those, none is made (rather than a warning with a traceback in the step's log)."""
        if _SUBPROCESS_ENV.get() is not None:
            return None
        return super()._initialize_dbt_core_adapter(args)


@contextmanager
def _subprocess_env(extra: Mapping[str, str]) -> Iterator[None]:
    """While ``DbtCliResource.cli`` runs, the subprocess it starts gets ``extra`` too.

    dagster-dbt (0.29) has no supported way to give the dbt subprocess variables of its own:
    ``cli`` builds the subprocess environment from ``os.environ`` and hands it to
    ``DbtCliInvocation.run``, which starts the process (an ``env`` argument to ``cli`` was
    declined upstream, dagster-io/dagster#29656, in favour of changing ``os.environ``). So for
    the duration of one ``cli`` call, under a lock, the resource module's ``DbtCliInvocation`` is
    a subclass whose ``run`` merges ``extra`` into that environment; the variables reach dbt's
    process and nothing else. tests/pipelines/test_dbt_env.py checks both sides.
    """
    extra = dict(extra)

    class _InvocationWithEnv(DbtCliInvocation):
        @classmethod
        def run(cls, *args, env: dict[str, str], **kwargs) -> DbtCliInvocation:
            return DbtCliInvocation.run(*args, env={**env, **extra}, **kwargs)

    with _SUBPROCESS_ENV_LOCK:
        if dagster_dbt_resource.DbtCliInvocation is not DbtCliInvocation:
            raise RuntimeError("dagster_dbt's DbtCliResource no longer starts dbt as expected")
        dagster_dbt_resource.DbtCliInvocation = _InvocationWithEnv
        token = _SUBPROCESS_ENV.set(extra)
        try:
            yield
        finally:
            _SUBPROCESS_ENV.reset(token)
            dagster_dbt_resource.DbtCliInvocation = DbtCliInvocation


def profile_env(warehouse: Warehouse) -> dict[str, str]:
    """The variables ``profiles.yml`` and the models read: the build file, the target and the
    PII key, from the ``Warehouse`` resource."""
    settings = warehouse.settings()
    return {
        "LASTMILE_BUILD_DB": str(settings.build_db),
        "LASTMILE_DBT_TARGET": settings.dbt_target,
        "LASTMILE_PII_KEY": warehouse.hashing_key(),
    }


def build_state_path(settings: Settings) -> Path:
    return settings.build_db.with_name(settings.build_db.name + ".state.json")


def full_refresh_reason(settings: Settings, requested: bool, fingerprint: str) -> str | None:
    """Why this build must recompute the incremental facts from all history (None: it need not)."""
    if requested:
        return "requested"
    state_path = build_state_path(settings)
    if not settings.build_db.exists() or not state_path.exists():
        return "first build of this warehouse"
    state = json.loads(state_path.read_text(encoding="utf-8"))
    if state.get("definitions_fingerprint") != fingerprint:
        return "a business rule, model or macro changed since the last full rebuild"
    return None


def record_full_rebuild(settings: Settings, fingerprint: str) -> None:
    state = {
        "definitions_fingerprint": fingerprint,
        "full_rebuild_at": datetime.now(UTC).isoformat(),
    }
    build_state_path(settings).write_text(json.dumps(state, indent=2), encoding="utf-8")


def partial_parse_path(settings: Settings) -> Path:
    """This warehouse's saved dbt parse (beside its build file). dbt parses the whole project
    again (~12 s of every build) when the profile it renders differs from the saved parse's,
    and the build file's path is part of it: the parse ``make parse`` leaves in
    ``dbt_project/target`` serves only the warehouse it was made for."""
    return settings.build_db.with_name(settings.build_db.name + "." + PARTIAL_PARSE)


@contextmanager
def warehouse_parse(settings: Settings, target_path: Path) -> Iterator[Path]:
    """``target_path`` (a dbt invocation's target folder) seeded with this warehouse's saved
    parse, which is replaced by the invocation's when it ends: dbt then parses only the files
    changed since. Without a saved parse, dagster-dbt seeds the folder from
    ``dbt_project/target`` as before."""
    saved = partial_parse_path(settings)
    if saved.exists():
        target_path.mkdir(parents=True, exist_ok=True)
        shutil.copy2(saved, target_path / PARTIAL_PARSE)
    yield target_path
    written = target_path / PARTIAL_PARSE
    if written.exists() and saved.parent.is_dir():
        partial = saved.with_name(f"{saved.name}.{os.getpid()}.tmp")
        shutil.copy2(written, partial)
        os.replace(partial, saved)


def lastmile_dbt_project() -> DbtProject:
    """The dbt project, with no target of its own: dagster-dbt would pass a project's target as
    ``--target`` on every command, fixed when the code location loaded. The target is the
    ``Warehouse`` resource's (``dbt_target``, ``LASTMILE_DBT_TARGET``), which the dbt step hands
    to dbt's process and ``profiles.yml`` reads, so a run launched with another resource config
    builds on that config's target."""
    project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
    if not project.manifest_path.exists():
        raise FileNotFoundError(
            f"{project.manifest_path} is missing: run `make parse` (dbt parse) before loading "
            "the Dagster definitions"
        )
    return project


def dbt_executable() -> str:
    """The dbt of this environment, even when its bin folder is not on PATH."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


def dbt_build_args(full_refresh_reason: str | None) -> list[str]:
    """The ``dbt`` arguments of the pipeline's build: models, seeds and data tests (unit tests
    check the SQL, not the data: they run in CI, not every morning)."""
    args = ["build", "--exclude-resource-type", "unit_test"]
    return [*args, "--full-refresh"] if full_refresh_reason else args


def dbt_build_env(evaluation_date: date) -> dict[str, str]:
    """The variables that make dbt's build evaluate one day: ``LASTMILE_AS_OF``, which the
    evaluation macros read when no ``evaluation_date`` var is given. Not ``--vars``: dbt parses
    the whole project again whenever its vars differ from those of the saved parse (``make
    parse``), ~15 s of every run, while a changed variable re-parses only the files reading it."""
    return {EVALUATION_ENV_VAR: evaluation_date.isoformat()}


def with_evaluation_date(event, evaluation_date: date):
    """A dbt event with the evaluation day added to its metadata (materializations)."""
    if isinstance(event, (dg.Output, dg.AssetMaterialization)):
        return event.with_metadata(
            {**event.metadata, "evaluation_date": evaluation_date.isoformat()}
        )
    return event


class LastmileTranslator(DagsterDbtTranslator):
    """dbt nodes grouped in the Dagster UI as the project is laid out: ``<layer>_<domain>``
    (``staging_crm``, ``intermediate_sales``, ``marts_customers``…), the rule seeds as ``rules``."""

    def get_group_name(self, dbt_resource_props) -> str | None:
        return dbt_group_name(dbt_resource_props)

    def get_asset_check_spec(self, asset_spec, manifest, unique_id, project):
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None or (spec.description or "").strip():
            return spec
        return spec._replace(description=dbt_test_description(manifest["nodes"][unique_id]))


def dbt_group_name(dbt_resource_props) -> str:
    if dbt_resource_props.get("resource_type") == "seed":
        return "rules"
    folders = [part for part in dbt_resource_props.get("fqn", [])[1:-1] if part]
    return "_".join(folders) or "dbt"


def dbt_test_description(test: dict) -> str:
    """One line for a dbt data test shown as a Dagster check: its own description, else what it
    asserts (``not_null on customer_id``, ``accepted_values on stage: …``)."""
    if (test.get("description") or "").strip():
        return test["description"].strip().splitlines()[0]
    metadata = test.get("test_metadata") or {}
    name = metadata.get("name") or test.get("name", "dbt test")
    column = test.get("column_name")
    kwargs = {
        key: value
        for key, value in (metadata.get("kwargs") or {}).items()
        if key not in ("model", "column_name") and value not in (None, "", [])
    }
    text = f"dbt test {name}" + (f" on {column}" if column else "")
    if kwargs:
        text += ": " + ", ".join(f"{key}={value}" for key, value in kwargs.items())
    return text if len(text) <= 160 else text[:157] + "..."


def build_dbt_assets(project: DbtProject) -> dg.AssetsDefinition:
    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        pool=BUILD_DB_POOL,
        name=DBT_ASSETS_NAME,
        dagster_dbt_translator=LastmileTranslator(),
    )
    def lastmile_dbt(
        context: dg.AssetExecutionContext,
        dbt: DbtCliResourceWithEnv,
        config: DbtBuildConfig,
        warehouse: Warehouse,
    ):
        validate_rules()  # a malformed business rule stops here, naming file, row and value
        settings = warehouse.settings()
        engine = warehouse.build_engine()
        manifest = json.loads(Path(project.manifest_path).read_text(encoding="utf-8"))
        # what the steps after dbt read (the engines other than DuckDB write them back)
        relations = relations_read_after_build(manifest, PUBLISHED_SCHEMAS)
        evaluation_date = evaluation_date_of_run(context.run.tags)
        if not context.run.tags.get(EVALUATION_TAG):
            # a run launched without the tag (from the UI): record the day it evaluates
            context.instance.add_run_tags(context.run.run_id, evaluation_tags(evaluation_date))
        context.log.info(f"evaluation date {evaluation_date}: facts dated after it are ignored")
        fingerprint = definitions_fingerprint(Path(project.project_dir))
        reason = full_refresh_reason(settings, config.full_refresh, fingerprint)
        if reason:
            context.log.info(f"full rebuild of the incremental facts: {reason}")
        # dagster-dbt's folder name for an invocation: <step>-<run>-<unique>
        target = Path(project.project_dir, project.target_path).joinpath(
            f"{DBT_ASSETS_NAME}-{context.run.run_id[:7]}-{uuid.uuid4().hex[:7]}"
        )
        with (
            engine.around_build(relations, context.log.info) as engine_env,
            warehouse_parse(settings, target) as target_path,
        ):
            env = {**profile_env(warehouse), **engine_env, **dbt_build_env(evaluation_date)}
            invocation = dbt.cli(
                dbt_build_args(reason), context=context, env=env, target_path=target_path
            )
            for event in invocation.stream():
                yield with_evaluation_date(event, evaluation_date)
        whole_project = context.selected_asset_keys == set(context.assets_def.keys)
        if reason and whole_project and invocation.is_successful():
            record_full_rebuild(settings, fingerprint)

    return lastmile_dbt
