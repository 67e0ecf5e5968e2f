"""The quality gates: invariants block, expectations about the data's shape warn, and every
threshold comes from the rule seeds."""

import ast
import shutil
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

import quality.suites.fct_customer_health_daily as health
import quality.suites.raw_erp_invoices as invoices
from pipelines.checks import suite_checks, suite_modules
from pipelines.rules import SEEDS_DIR, load_rules, validate_rules
from quality.runner import validate

# numbers a suite may write itself: units and rounding, never a rule (0/1 bounds of a share,
# 0..100 of a score, 60 seconds, half a rounding step of a score, a fen, float noise)
UNITS_AND_ROUNDING = {0, 1, 100, 60, 0.05, 0.01, 1e-9}


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    shutil.copytree(SEEDS_DIR, tmp_path / "seeds")
    return tmp_path / "seeds"


def set_parameter(seeds: Path, name: str, value: str) -> None:
    path = seeds / "rule_parameters.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if line.startswith(f"{name},"):
            cells = line.split(",")
            cells[1] = value
            lines[i] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def health_rows(rows: list[tuple]) -> pd.DataFrame:
    """(h1, h2, h3, h4 passing — None: not applicable, status, score) per row."""
    frame = pd.DataFrame(
        rows,
        columns=[
            "h1_is_passing",
            "h2_is_passing",
            "h3_is_passing",
            "h4_is_passing",
            "health_status",
            "health_score",
        ],
    )
    failing = sum(frame[c].map(lambda v: v is False).astype(int) for c in frame.columns[:4])
    frame["failing_count"] = failing
    frame["evaluated_count"] = 3 + frame["h4_is_passing"].notna().astype(int)
    frame["h4_delivered_count"] = frame["h4_is_passing"].notna().astype(int)
    frame["h4_on_time_count"] = (frame["h4_is_passing"] == True).astype(int)  # noqa: E712
    frame["h4_on_time_rate"] = frame["h4_on_time_count"].where(frame["h4_delivered_count"] > 0)
    return frame


def run(module, kind: str, frame: pd.DataFrame, rules):
    prepared = module.prepare(frame, rules) if hasattr(module, "prepare") else frame
    return validate(prepared, module.__name__, getattr(module, kind)(rules))


def test_a_company_of_red_customers_passes_the_gate_and_only_warns():
    rules = load_rules()
    # six red customers of eight: failing 2 or 3, scores by equal weights
    frame = health_rows(
        [(True, True, True, True, "green", 100.0), (True, True, True, False, "yellow", 75.0)]
        + [(False, False, False, None, "red", 0.0)] * 3
        + [(False, False, True, None, "red", 33.3)] * 2
        + [(True, True, False, False, "red", 50.0)]
    )
    assert run(health, "invariants", frame, rules).success
    shape = run(health, "expectations", frame, rules)
    assert not shape.success
    assert [o.column for o in shape.failures] == ["health_status"]


def test_the_status_and_score_follow_the_rules_in_the_seeds(seeds):
    # one failing indicator is red when red_min_failing = 1 (and then there is no yellow band)
    one_failing = health_rows([(True, True, True, False, "red", 75.0)])
    assert not run(health, "invariants", one_failing, load_rules()).success  # default: yellow
    set_parameter(seeds, "red_min_failing", "1")
    validate_rules(seeds)
    assert run(health, "invariants", one_failing, load_rules(seeds)).success
    # weights from health_indicators: H4 failing weighs 4 of 7 → score 3/7
    indicators = seeds / "health_indicators.csv"
    indicators.write_text(
        indicators.read_text(encoding="utf-8").replace("H4,交付准时,1,", "H4,交付准时,4,"),
        encoding="utf-8",
    )
    weighted = health_rows([(True, True, True, False, "red", 42.9)])
    assert run(health, "invariants", weighted, load_rules(seeds)).success
    assert not run(health, "invariants", one_failing, load_rules(seeds)).success  # 75 ≠ 42.9


def test_a_status_that_disagrees_with_the_evidence_blocks():
    rules = load_rules()
    wrong = health_rows([(True, True, True, True, "red", 100.0)])
    failed = run(health, "invariants", wrong, rules).failures
    assert [o.expectation for o in failed] == ["expect_column_pair_values_to_be_equal"]


def test_shape_thresholds_come_from_quality_expectations(seeds):
    frame = pd.DataFrame(
        {"invoice_date": pd.to_datetime(["2026-01-01"]), "due_date": pd.to_datetime(["2027-01-31"])}
    )
    # due 395 days after the invoice: above max_payment_term_days = 365, within 400
    assert not run(invoices, "expectations", frame, load_rules()).success
    path = seeds / "quality_expectations.csv"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "max_payment_term_days,365,", "max_payment_term_days,400,"
        ),
        encoding="utf-8",
    )
    assert run(invoices, "expectations", frame, load_rules(seeds)).success


def test_a_mart_suite_is_a_blocking_gate_and_a_warning_a_raw_suite_a_warning_only():
    key = dg.AssetKey(["marts", "fct_customer_health_daily"])
    gate, shape = suite_checks(health, key, "marts.fct_customer_health_daily")
    [gate_spec], [shape_spec] = gate.check_specs, shape.check_specs
    assert gate_spec.name == "gx_marts__fct_customer_health_daily" and gate_spec.blocking
    assert shape_spec.name == "gx_marts__fct_customer_health_daily__shape"
    assert not shape_spec.blocking
    [raw] = suite_checks(invoices, dg.AssetKey(["erp", "invoices"]), "raw_erp.invoices")
    [raw_spec] = raw.check_specs
    assert raw_spec.name == "gx_raw_erp__invoices" and not raw_spec.blocking


def test_no_suite_writes_a_threshold_of_its_own():
    found = {}
    for module in suite_modules():
        tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            is_number = isinstance(node, ast.Constant) and type(node.value) in (int, float)
            if is_number and abs(node.value) not in UNITS_AND_ROUNDING:
                found.setdefault(module.__name__, []).append(node.value)
    assert found == {}, (
        "thresholds belong in the rule seeds (rule_parameters, quality_expectations)"
    )
