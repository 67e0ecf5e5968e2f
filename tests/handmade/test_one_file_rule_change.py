"""Changing a business rule or the stage list is a one-file change.

In a temporary copy of the dbt project, one rule seed is edited — and nothing else: the test
checks that exactly one file of the copy differs. The hand-made company is then ingested with the
landing contract read from the copy's seeds, and dbt builds, with their data tests, every model
that reads the rule and every model downstream of those (``@model``) on a DuckDB file of its own.
The new value must show in every reader: the Python loader (``pipelines.rules``), the landing
contract's vocabularies, the SQL of the marts, and the blocking GX invariants of every mart built,
which take their thresholds from the loader.

- A health threshold: ``red_min_failing`` 2 → 3 in ``seeds/rule_parameters.csv``.
- The stage list: a new open stage ``pilot`` between ``demo`` and ``negotiation`` in
  ``seeds/opportunity_stages.csv`` (the CRM now reports OP3 in it).
"""

import hashlib
import os
import shutil
import sys
from pathlib import Path

import duckdb
import pytest

from pipelines.checks import run_suite, suite_modules
from pipelines.config import CONTRACT_PATH, DBT_PROJECT_DIR
from pipelines.evaluation import dbt_vars
from pipelines.ingest.contract import load_contract
from pipelines.ingest.discovery import scan_landing
from pipelines.ingest.engine import ingest_table
from pipelines.resources import Warehouse
from pipelines.rules import load_rules, validate_rules
from tests.conftest import run
from tests.handmade.company import DRILL_TOP, EVALUATION_DAY, HEALTH, PIPELINE, write_company
from tests.warehouses import rows_by_key

# what dbt writes into a project folder, not part of its definitions
NOT_DEFINITIONS = ("target", "logs", "dbt_packages")


def project_copy(root: Path) -> Path:
    """Everything of the dbt project that defines what it builds (models, macros, seeds, data
    tests, dbt_project.yml, profiles.yml)."""
    target = root / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, target, ignore=shutil.ignore_patterns(*NOT_DEFINITIONS))
    return target


def file_hashes(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def edit_one_file(project: Path, name: str, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` in ``project/name``; fail unless that is the only change."""
    before = file_hashes(project)
    path = project / name
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} is not once in {name}"
    path.write_text(text.replace(old, new), encoding="utf-8")
    after = file_hashes(project)
    assert set(after) == set(before)
    assert [file for file in after if after[file] != before[file]] == [name]


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def ingest(landing: Path, build: Path, seeds: Path) -> None:
    """The landing folder into ``build``, with the contract's vocabularies from ``seeds``."""
    contract = load_contract(CONTRACT_PATH, seeds_dir=seeds)
    inventory = scan_landing(landing, contract.landing)
    with duckdb.connect(str(build)) as conn:
        for table in contract.ordered_tables():
            result = ingest_table(conn, contract, table, landing, inventory)
            assert not result.rejected, [f.describe_error() for f in result.rejected]
            assert result.total("rows_quarantined") == 0, f"{table.name}: rows quarantined"


def build(project: Path, build_db: Path, *selectors: str) -> set[str]:
    """``dbt build`` of ``selectors``, with the data tests on what is built (those that also
    read a model not built left out: indirect selection ``cautious``); the marts built."""
    env = dict(
        os.environ,
        LASTMILE_BUILD_DB=str(build_db),
        LASTMILE_DBT_TARGET="ci",
        LASTMILE_PII_KEY="test-only-pii-key",
    )
    dbt = str(Path(sys.executable).parent / "dbt")
    run(
        [dbt, "build", "--select", *selectors, "--indirect-selection", "cautious"]
        + ["--exclude-resource-type", "unit_test"]
        + ["--vars", dbt_vars(EVALUATION_DAY), "--profiles-dir", ".", "--target", "ci"],
        env=env,
        cwd=project,
    )
    with duckdb.connect(str(build_db), read_only=True) as conn:
        rows = conn.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'"
        ).fetchall()
    return {name for (name,) in rows}


def sql_readers(project: Path, text: str) -> list[str]:
    """The models whose SQL names ``text`` (a rule parameter, a seed's ``ref``)."""
    return sorted(
        path.stem
        for path in (project / "models").rglob("*.sql")
        if text in path.read_text(encoding="utf-8")
    )


def broken_invariants(marts: set[str], build_db: Path, rules, only: str | None = None) -> list:
    """The blocking GX invariants that fail, with ``rules``, on the marts built (``only``: one)."""
    warehouse = Warehouse(build_db=str(build_db))
    broken = []
    for module in suite_modules():
        model = getattr(module, "MODEL", None)
        if model in marts and hasattr(module, "invariants") and only in (None, model):
            result = run_suite(module, warehouse, f"marts.{model}", "invariants", rules)
            broken += [] if result.success else [result.summary()]
    return broken


def stage_codes(seeds: Path | None) -> set[str]:
    """The stage codes the landing contract accepts, its vocabulary read from ``seeds``."""
    contract = load_contract(CONTRACT_PATH, seeds_dir=seeds)
    return set(contract.table("crm", "opportunities").column("stage").values)


@pytest.fixture
def landing(tmp_path) -> Path:
    folder = tmp_path / "landing"
    write_company(folder)
    return folder


def test_a_health_threshold_is_one_row_of_one_seed(tmp_path, landing):
    project = project_copy(tmp_path)
    edit_one_file(project, "seeds/rule_parameters.csv", "red_min_failing,2,", "red_min_failing,3,")
    seeds = project / "seeds"
    validate_rules(seeds)
    rules = load_rules(seeds)
    assert rules.parameter("red_min_failing") == 3  # the Python loader
    assert load_rules().parameter("red_min_failing") == 2  # (the repository's is untouched)

    build_db = tmp_path / "build.duckdb"
    ingest(landing, build_db, seeds)
    readers = sql_readers(project, "'red_min_failing'")
    assert "fct_customer_health_daily" in readers
    marts = build(project, build_db, *(f"@{model}" for model in readers))
    assert {"fct_red_alerts", "fct_activation_tasks", "fct_customer_health_current"} <= marts

    # the SQL: red from three failing indicators on, yellow from one (the hand-computed counts)
    def status(failing: int) -> str:
        return "red" if failing >= 3 else "yellow" if failing >= 1 else "green"

    want = {customer: status(values[4]) for customer, values in HEALTH.items()}
    assert sorted(c for c, s in want.items() if s == "yellow") == ["C2", "C4", "C5", "C8"]
    with duckdb.connect(str(build_db), read_only=True) as conn:
        got = dict(
            conn.execute(
                "select customer_id, health_status from marts.fct_customer_health_daily "
                "where health_date = ?",
                [EVALUATION_DAY],
            ).fetchall()
        )
        alerted = conn.execute("select min(failing_count_at_open) from marts.fct_red_alerts")
        assert alerted.fetchone()[0] >= 3
    assert got == want
    # the GX suites read the same seed: they agree with the SQL, and would not with the old rule
    assert broken_invariants(marts, build_db, rules) == []
    assert broken_invariants(marts, build_db, load_rules(), only="fct_customer_health_daily")


def test_a_new_stage_is_one_row_of_one_seed(tmp_path, landing):
    project = project_copy(tmp_path)
    edit_one_file(
        project,
        "seeds/opportunity_stages.csv",
        "demo,方案演示,3,true,30\nnegotiation,商务谈判,4,true,30\ncontract,合同审批,5,true,10\n"
        "won,赢单,6,false,\nlost,输单,7,false,\n",
        "demo,方案演示,3,true,30\npilot,试点验证,4,true,60\nnegotiation,商务谈判,5,true,30\n"
        "contract,合同审批,6,true,10\nwon,赢单,7,false,\nlost,输单,8,false,\n",
    )
    seeds = project / "seeds"
    validate_rules(seeds)
    rules = load_rules(seeds)
    assert rules.open_stage_orders() == [1, 2, 3, 4, 5, 6]  # the Python loader
    assert rules.closed_stage_codes() == ["won", "lost"]
    assert "pilot" in stage_codes(seeds)  # the landing contract's vocabulary
    assert "pilot" not in stage_codes(None)  # (the repository's)

    # the CRM reports OP3 (in demo on the evaluation day, 52 days: stuck) in the new stage
    replace_in(landing / "crm" / "opportunities.csv", "OP3,C4,E3,demo,", "OP3,C4,E3,pilot,")
    replace_in(landing / "crm" / "opportunity_stage_history.csv", "SH6,OP3,demo,", "SH6,OP3,pilot,")
    build_db = tmp_path / "build.duckdb"
    ingest(landing, build_db, seeds)  # accepted: the contract reads its codes from the seed
    # the seed's readers (refs), everything downstream of them and what those need
    readers = sql_readers(project, "ref('opportunity_stages')")
    assert {"fct_pipeline_by_region_stage", "int_opportunity_stages_sequenced"} <= set(readers)
    marts = build(project, build_db, "@opportunity_stages")
    assert {"fct_drill_top_opportunities", "fct_opportunity_stage_history"} <= marts

    with duckdb.connect(str(build_db), read_only=True) as conn:
        pipeline = {
            (region, code): (order, count, amount)
            for region, code, order, count, amount in conn.execute(
                "select region_id, stage_code, stage_order, opportunity_count, "
                "pipeline_amount_cny from marts.fct_pipeline_by_region_stage"
            ).fetchall()
        }
        top = rows_by_key(
            conn,
            "select opportunity_rank, opportunity_id, stage_code, days_in_stage, is_stuck "
            "from marts.fct_drill_top_opportunities",
        )
    negotiation = PIPELINE[("R1", "negotiation")]
    assert pipeline == {
        ("R1", "pilot"): (4, *PIPELINE[("R1", "demo")]),
        ("R1", "negotiation"): (5, *negotiation),
    }
    # 52 days in a stage whose limit is now 60: no longer stuck
    assert top == {1: DRILL_TOP[1], 2: ("OP3", "pilot", 52, False)}
    assert broken_invariants(marts, build_db, rules) == []
