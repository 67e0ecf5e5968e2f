"""Great Expectations suites (``quality/suites``) as Dagster asset checks.

Each suite module names the dbt model it checks (``MODEL``) and returns its expectations; the
check reads that table from the build file read-only into a pandas frame and validates it.
"""

import importlib
import pkgutil
from types import ModuleType

import dagster as dg
from dagster_dbt import get_asset_key_for_model

import quality.suites
from pipelines.resources import BUILD_DB_POOL, Warehouse
from quality.runner import validate


def suite_modules() -> list[ModuleType]:
    return [
        importlib.import_module(f"quality.suites.{info.name}")
        for info in pkgutil.iter_modules(quality.suites.__path__)
    ]


def run_suite(module: ModuleType, warehouse: Warehouse):
    with warehouse.connect(read_only=True) as conn:
        frame = conn.execute(f"select * from marts.{module.MODEL}").df()
    if hasattr(module, "prepare"):
        frame = module.prepare(frame)
    return validate(frame, module.MODEL, module.expectations())


def _check(module: ModuleType, asset_key: dg.AssetKey) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=asset_key,
        name=f"gx_{module.MODEL}",
        description=(module.__doc__ or "").strip(),
        blocking=True,
        pool=BUILD_DB_POOL,
    )
    def _gx(warehouse: Warehouse) -> dg.AssetCheckResult:
        result = run_suite(module, warehouse)
        return dg.AssetCheckResult(
            passed=result.success,
            severity=dg.AssetCheckSeverity.ERROR,
            description=result.summary(),
            metadata={
                "expectations": len(result.outcomes),
                "failed": [f"{o.expectation}({o.column or ''})" for o in result.failures],
            },
        )

    return _gx


def build_gx_checks(dbt_assets_def: dg.AssetsDefinition) -> list[dg.AssetChecksDefinition]:
    return [
        _check(module, get_asset_key_for_model([dbt_assets_def], module.MODEL))
        for module in suite_modules()
    ]
