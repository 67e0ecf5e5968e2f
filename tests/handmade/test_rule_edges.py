"""Any value a rule's declared range allows builds, checks and publishes.

The hand-made company's raw data is built by dbt three times on a copy of the project whose rule
seeds are moved to the edges their `_*.yml` declare (`meta.rule`: min/max, or the row's own
min_value/max_value; booleans flipped): every rule at its low edge, every rule at its high edge,
and alternating rows (with red_min_failing = yellow_min_failing = 2, the issue's example of a rule
that used to stop every publish). Each set must pass pipelines.rules, dbt's build and data tests,
every blocking GX invariant (warnings may fire), and publish. Text and vocabulary columns (names,
codes, keywords) are not ranges and are not walked.
"""

import csv
import io
import os
import shutil
import sys
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from pipelines.checks import run_suite, suite_modules, suite_table
from pipelines.publish import publish
from pipelines.resources import Warehouse
from pipelines.rules import TRUE, load_rules, seed_rules, validate_rules
from pipelines.transform.dbt import DEFINITION_PATHS
from tests.conftest import run
from tests.dbt.test_incremental import raw_only_copy
from tests.handmade.company import EVALUATION_DAY, FIRST_HEALTH_FACT
from tests.pipelines.test_full_refresh import project_copy

EDGES = ("low", "high", "alternating")


def edge_value(rule: dict, row: dict[str, str], value: str, edge: str) -> str:
    """The value of one cell at an edge of its declared range (unchanged when it has none)."""
    if rule.get("type") == "boolean":
        return value if edge == "high" else str(value.lower() not in TRUE).lower()
    if rule.get("type") not in ("integer", "number") or rule.get("unique") or value == "":
        return value
    low = rule.get("min", row.get(rule.get("min_column", ""), ""))
    high = rule.get("max", row.get(rule.get("max_column", ""), ""))
    bound = low if edge == "low" else high
    return value if bound in ("", None) else f"{float(bound):g}"


def move_to_edges(seeds: Path, edge: str) -> None:
    """Rewrite every rule seed of ``seeds`` at ``edge`` (alternating: even rows low, odd high)."""
    for seed, columns in seed_rules(seeds).items():
        path = seeds / f"{seed}.csv"
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            header, rows = reader.fieldnames, list(reader)
        for number, row in enumerate(rows):
            at = edge if edge != "alternating" else ("low", "high")[number % 2]
            row.update(
                {
                    column: edge_value(rule, row, row[column], at)
                    for column, rule in columns.items()
                    if column in row
                }
            )
        if seed == "rule_parameters":
            failing = {
                row["parameter"]: row for row in rows if row["parameter"].endswith("failing")
            }
            if edge == "alternating":
                failing["red_min_failing"]["value"] = failing["yellow_min_failing"]["value"] = "2"
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        path.write_text(buffer.getvalue(), encoding="utf-8")


@pytest.fixture(scope="module")
def raw_company(handmade, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("edges") / "raw.duckdb"
    raw_only_copy(handmade.build_db, path)
    return path


@pytest.mark.parametrize("edge", EDGES)
def test_rules_at_the_edges_build_check_and_publish(edge, raw_company, tmp_path):
    project = project_copy(tmp_path, (*DEFINITION_PATHS, "profiles.yml"))
    move_to_edges(project / "seeds", edge)
    validate_rules(project / "seeds")  # the edges are valid rules, also taken together
    rules = load_rules(project / "seeds")
    if edge == "low":
        assert rules.parameter("red_min_failing") == 1 and rules.parameter("h2_window_days") == 1
    if edge == "high":
        assert rules.parameter("h4_min_on_time_rate") == 1

    build = tmp_path / "build.duckdb"
    shutil.copy(raw_company, build)
    env = dict(os.environ, LASTMILE_BUILD_DB=str(build), LASTMILE_DBT_TARGET="ci")
    dbt = str(Path(sys.executable).parent / "dbt")
    run(
        [
            dbt,
            "build",
            "--exclude-resource-type",
            "unit_test",
            "--full-refresh",
            "--vars",
            f'{{"evaluation_date": "{EVALUATION_DAY}"}}',
            "--profiles-dir",
            ".",
            "--target",
            "ci",
        ],
        env=env,
        cwd=project,
    )

    warehouse = Warehouse(build_db=str(build))
    broken = []
    for module in suite_modules():
        if hasattr(module, "invariants"):
            result = run_suite(module, warehouse, suite_table(module), "invariants", rules)
            broken += [] if result.success else [result.summary()]
        if hasattr(module, "expectations"):  # warnings: they run, and may fail
            run_suite(module, warehouse, suite_table(module), "expectations", rules)
    assert broken == []

    published = publish(build, tmp_path / "served.duckdb")
    assert published.evaluation_date == EVALUATION_DAY
    with duckdb.connect(str(published.path), read_only=True) as conn:
        days = conn.execute(
            "select count(*) from marts.fct_customer_health_daily where health_date = ?",
            [EVALUATION_DAY],
        ).fetchone()[0]
    assert "marts.fct_customer_health_daily" in published.tables
    # health starts once the H2/H3 windows are full: with a year-long window, after D
    window = max(rules.parameter("h2_window_days"), rules.parameter("h3_window_days"))
    starts = FIRST_HEALTH_FACT + timedelta(days=window - 1)
    assert days == (8 if starts <= EVALUATION_DAY else 0)
