"""A GX suite reads only the columns its expectations name (raw tables carry wide free text)."""

import duckdb
import pytest

import pipelines.checks as checks
import quality.suites.raw_crm_sales_logs as sales_logs_suite
from pipelines.resources import Warehouse


@pytest.fixture(scope="module")
def gx():
    """Great Expectations, imported when a test of this module runs (~7 s: not at collection, in
    every worker, for every test session)."""
    import great_expectations

    return great_expectations


def test_expectation_columns_lists_every_named_column_once(gx):
    from great_expectations.expectations.row_conditions import PassThroughCondition

    expectations = [
        gx.expectations.ExpectTableRowCountToBeBetween(min_value=1),
        gx.expectations.ExpectColumnValuesToNotBeNull(column="a"),
        gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(column_A="b", column_B="a"),
        gx.expectations.ExpectCompoundColumnsToBeUnique(column_list=["c", "b"]),
    ]
    assert checks.expectation_columns(expectations) == ["a", "b", "c"]
    assert checks.expectation_columns(expectations[:1]) == []
    free_text = gx.expectations.ExpectColumnValuesToBeNull(
        column="a", row_condition=PassThroughCondition(pass_through_filter="d == 0")
    )
    assert checks.expectation_columns([*expectations, free_text]) is None  # every column


def test_the_columns_of_a_column_condition_are_read_too(gx):
    from great_expectations.expectations.row_conditions import Column, PassThroughCondition

    both = (Column("d") == "x") & Column("e").is_in([1, 2])
    conditional = gx.expectations.ExpectColumnValuesToBeNull(column="a", row_condition=both)
    assert checks.expectation_columns([conditional]) == ["a", "d", "e"]
    either = (Column("g") > 0) | Column("a").is_null()
    assert checks.condition_columns(either) == ["g", "a"]
    assert checks.condition_columns(Column("f") != 0) == ["f"]
    nested_text = (Column("d") == 1) & PassThroughCondition(pass_through_filter="g > 0")
    assert checks.condition_columns(nested_text) is None


def test_the_raw_sales_log_suite_reads_its_columns_only(tmp_path, monkeypatch):
    db = tmp_path / "build.duckdb"
    monkeypatch.setenv("LASTMILE_BUILD_DB", str(db))
    with duckdb.connect(str(db)) as conn:
        conn.execute("create schema raw_crm")
        conn.execute(
            "create table raw_crm.sales_logs as select template, "
            "timestamp '2026-01-02' as _ingested_at, timestamp '2026-01-01' as log_at, "
            "repeat('长文本', 1000) as summary "
            "from (values ('first_visit'), ('solution_demo'), ('price_negotiation'), "
            "('after_sales')) as t(template)"
        )
    seen = []

    def recording_validate(frame, name, expectations):
        seen.append(sorted(frame.columns))
        return real_validate(frame, name, expectations)

    real_validate = checks.validate
    monkeypatch.setattr(checks, "validate", recording_validate)
    result = checks.run_suite(sales_logs_suite, Warehouse.from_environment(), "raw_crm.sales_logs")
    assert result.success, result.summary()
    assert seen == [["_ingested_at", "log_at", "template"]]
