"""Great Expectations suites (``quality/suites``) as Dagster asset checks.

A suite module names what it checks — ``MODEL`` (a dbt model, read from ``marts``/``staging``) or
``SOURCE`` (a ``(source, table)`` ingestion asset, read from ``raw_<source>.<table>``) — and
returns its expectations in two lists (see ``quality/suites/__init__.py``), each its own check:

- ``invariants`` → ``gx_<schema>__<table>``: what holds by construction; on a mart it is a
  blocking check of severity ERROR, so a mart that breaks one is not published;
- ``expectations`` → ``gx_<schema>__<table>__shape`` on a mart (``gx_raw_…`` on a raw table): the
  data's expected shape; severity WARN, never blocking — a company whose customers are genuinely
  red still publishes, with the warning in the Dagster UI.

Every threshold comes from the rule seeds through :func:`pipelines.rules.load_rules`, read when
the check runs. The check reads its table read-only into a pandas frame and validates it.
"""

import importlib
import pkgutil
from types import ModuleType

import dagster as dg
from dagster_dbt import get_asset_key_for_model

import quality.suites
from pipelines.resources import BUILD_DB_POOL, Warehouse
from pipelines.rules import Rules, load_rules
from quality.runner import SuiteResult, validate

# the two lists a suite may return: (function name, blocking on a mart, check-name suffix)
KINDS = (("invariants", True, ""), ("expectations", False, "__shape"))


def suite_modules() -> list[ModuleType]:
    return [
        importlib.import_module(f"quality.suites.{info.name}")
        for info in pkgutil.iter_modules(quality.suites.__path__)
    ]


def suite_table(module: ModuleType, manifest: dict | None = None) -> str:
    """The DuckDB table a suite reads."""
    if hasattr(module, "SOURCE"):
        source, table = module.SOURCE
        return f"raw_{source}.{table}"
    for node in (manifest or {}).get("nodes", {}).values():
        if node["resource_type"] == "model" and node["name"] == module.MODEL:
            return f"{node['schema']}.{node['name']}"
    return f"marts.{module.MODEL}"


def run_suite(
    module: ModuleType,
    warehouse: Warehouse,
    table: str,
    kind: str = "expectations",
    rules: Rules | None = None,
) -> SuiteResult:
    """Validate ``table`` against one of the suite's lists (``invariants`` or ``expectations``)."""
    rules = rules or load_rules()
    expectations = getattr(module, kind)(rules)
    # only the columns the expectations read (a raw table's free-text columns can be most of its
    # bytes); a suite that prepares the frame itself gets every column
    columns = None if hasattr(module, "prepare") else expectation_columns(expectations)
    select = ", ".join(f'"{c}"' for c in columns) if columns else "*"
    with warehouse.connect(read_only=True) as conn:
        frame = conn.execute(f"select {select} from {table}").df()
    if hasattr(module, "prepare"):
        frame = module.prepare(frame, rules)
    return validate(frame, table, expectations)


def expectation_columns(expectations: list) -> list[str] | None:
    """The columns a list of GX expectations reads, in first-use order (empty: row counts only;
    None: not known — a text ``row_condition`` may name any column)."""
    columns: list[str] = []
    for expectation in expectations:
        named = [getattr(expectation, a, None) for a in ("column", "column_A", "column_B")]
        named += list(getattr(expectation, "column_list", None) or [])
        condition = getattr(expectation, "row_condition", None)
        if condition:
            in_condition = condition_columns(condition)
            if in_condition is None:
                return None
            named += in_condition
        columns += [c for c in named if c and c not in columns]
    return columns


def condition_columns(condition) -> list[str] | None:
    """The columns a GX ``row_condition`` built from ``Column(...)`` reads (comparisons, nullity,
    and/or of them); None for a condition given as text (a pass-through string may name any
    column)."""
    from great_expectations.expectations import row_conditions as rc

    if isinstance(condition, rc.AndCondition | rc.OrCondition):
        columns: list[str] = []
        for part in condition.conditions:
            found = condition_columns(part)
            if found is None:
                return None
            columns += [c for c in found if c not in columns]
        return columns
    column = getattr(condition, "column", None)
    if isinstance(condition, rc.Condition) and isinstance(column, rc.Column):
        return [column.name]
    return None


def _check(
    module: ModuleType, asset_key: dg.AssetKey, table: str, kind: str, suffix: str, blocking: bool
) -> dg.AssetChecksDefinition:
    severity = dg.AssetCheckSeverity.ERROR if blocking else dg.AssetCheckSeverity.WARN
    summary = (module.__doc__ or "").strip()

    @dg.asset_check(
        asset=asset_key,
        name=f"gx_{table.replace('.', '__')}{suffix}",
        description=f"{'blocking invariants' if blocking else 'warnings'} — {summary}",
        blocking=blocking,
        pool=BUILD_DB_POOL,
    )
    def _gx(warehouse: Warehouse) -> dg.AssetCheckResult:
        result = run_suite(module, warehouse, table, kind)
        return dg.AssetCheckResult(
            passed=result.success,
            severity=severity,
            description=result.summary(),
            metadata={
                "expectations": len(result.outcomes),
                "failed": [f"{o.expectation}({o.column or ''})" for o in result.failures],
            },
        )

    return _gx


def suite_checks(module: ModuleType, asset_key: dg.AssetKey, table: str) -> list:
    """The checks of one suite: its invariants (blocking on a mart) and its expectations
    (warnings). A raw table's suite has warnings only."""
    is_mart = hasattr(module, "MODEL")
    return [
        _check(module, asset_key, table, kind, suffix if is_mart else "", blocking and is_mart)
        for kind, blocking, suffix in KINDS
        if hasattr(module, kind)
    ]


def build_gx_checks(
    dbt_assets_def: dg.AssetsDefinition, manifest: dict
) -> list[dg.AssetChecksDefinition]:
    checks = []
    for module in suite_modules():
        if hasattr(module, "SOURCE"):
            key = dg.AssetKey(list(module.SOURCE))
        else:
            key = get_asset_key_for_model([dbt_assets_def], module.MODEL)
        checks += suite_checks(module, key, suite_table(module, manifest))
    return checks
