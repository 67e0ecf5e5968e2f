"""A hand-made company where most customers are genuinely red, evaluated as of a past day with
``--as-of``: it publishes, its marts equal the values worked out by hand in company.py, and the
facts dated after the evaluation day — landed before the run — change nothing."""

import dagster as dg
import duckdb
import pytest

from pipelines.evaluation import EVALUATION_TAG
from tests.handmade.company import DRILL_TOP, EVALUATION_DAY, EVIDENCE, HEALTH, PIPELINE
from tests.warehouses import rows_by_key

D = EVALUATION_DAY


@pytest.fixture(scope="module")
def mart(handmade):
    conn = duckdb.connect(str(handmade.serve_db), read_only=True)
    try:
        yield conn
    finally:
        conn.close()


def test_a_mostly_red_company_publishes_with_a_warning(handmade):
    [run] = handmade.runs()
    assert run.status == dg.DagsterRunStatus.SUCCESS
    assert run.tags[EVALUATION_TAG] == D.isoformat()  # --as-of, not LASTMILE_AS_OF
    instance = dg.DagsterInstance.from_config(str(handmade.dagster_home))
    try:
        records = instance.get_records_for_run(
            run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
        ).records
        served = instance.get_latest_materialization_event(
            dg.AssetKey(["serving", "lastmile_duckdb"])
        )
        health = instance.get_latest_materialization_event(
            dg.AssetKey(["marts", "fct_customer_health_daily"])
        )
    finally:
        instance.dispose()
    checks = [r.event_log_entry.dagster_event.event_specific_data for r in records]
    failed = {c.check_name: c.severity for c in checks if not c.passed}
    # 6 of 8 customers red: the shape warning fires, no invariant fails, the marts are served
    assert failed["gx_marts__fct_customer_health_daily__shape"] == dg.AssetCheckSeverity.WARN
    assert all(severity == dg.AssetCheckSeverity.WARN for severity in failed.values())
    assert "gx_marts__fct_customer_health_daily" in {c.check_name for c in checks}
    assert handmade.serve_db.exists()
    assert served.asset_materialization.metadata["evaluation_date"].value == D.isoformat()
    assert health.asset_materialization.metadata["evaluation_date"].value == D.isoformat()


def test_health_on_the_evaluation_day_is_the_hand_computed_one(mart):
    rows = mart.execute(
        "select customer_id, h1_is_passing, h2_is_passing, h3_is_passing, h4_is_passing, "
        "failing_count, cast(health_score as double), health_status, h2_proposal_count, "
        "h3_interaction_count, h4_delivered_count, h4_on_time_count "
        "from marts.fct_customer_health_daily where health_date = ? order by customer_id",
        [D],
    ).fetchall()
    assert {r[0]: r[1:8] for r in rows} == HEALTH
    assert {r[0]: r[8:] for r in rows} == EVIDENCE
    red = [c for c, values in HEALTH.items() if values[-1] == "red"]
    assert len(red) == 6
    open_alerts = mart.execute(
        "select customer_id from marts.fct_red_alerts where is_open order by 1"
    ).fetchall()
    assert [c for (c,) in open_alerts] == red


def test_facts_after_the_evaluation_day_change_nothing(mart):
    last_day, after = mart.execute(
        "select max(health_date), count(*) filter (where health_date > ?) "
        "from marts.fct_customer_health_daily",
        [D],
    ).fetchone()
    assert (last_day, after) == (D, 0)
    customers = rows_by_key(
        mart,
        "select customer_id, owner_rep_id, customer_status, churned_date, "
        "cast(trailing_purchase_cny as double), cast(decision_chain_completeness as double), "
        "is_key_customer, key_customer_as_of_date from marts.dim_customers",
    )
    # a handover, a later order and a contact created afterwards leave C1 as it was on D
    assert customers["C1"] == ("E2", "active", None, 1_100_000.0, 0.75, True, D)
    # C2 would be a key customer with its order of the next day
    assert customers["C2"][3:6] == (900_000.0, 1.0, False)
    # C5's churn is dated after D: still active on it
    assert customers["C5"][1:3] == ("active", None)
    logs = mart.execute("select log_id from marts.fct_sales_log_compliance").fetchall()
    assert logs == [("L1",)]
    # the contract was approved after D: no revenue, no approval yet
    for table in ("fct_contract_approvals", "fct_drill_region_revenue"):
        assert mart.execute(f"select count(*) from marts.{table}").fetchone()[0] == 0
    # the payment of the next day is not in: 60,000 of I1 still owed, 5 days overdue
    balance = mart.execute(
        "select cast(outstanding_cny as double), cast(overdue_1_30_cny as double), "
        "max_days_overdue from marts.fct_receivables_daily where customer_id = 'C1' "
        "and balance_date = ?",
        [D],
    ).fetchone()
    assert balance == (60_000.0, 60_000.0, 5)
    grants = mart.execute(
        "select rep_id from marts.fct_access_grants where customer_id = 'C1' and is_current"
    ).fetchall()
    assert grants == [("E2",)]


def test_the_pipeline_and_drill_path_are_those_of_the_evaluation_day(mart):
    pipeline = {
        (region, stage): (count, float(amount))
        for region, stage, count, amount in mart.execute(
            "select region_id, stage_code, opportunity_count, pipeline_amount_cny "
            "from marts.fct_pipeline_by_region_stage"
        ).fetchall()
    }
    assert pipeline == PIPELINE
    top = rows_by_key(
        mart,
        "select opportunity_rank, opportunity_id, stage_code, days_in_stage, is_stuck "
        "from marts.fct_drill_top_opportunities",
    )
    assert top == DRILL_TOP


def test_the_roster_is_judged_on_the_evaluation_day(mart):
    staff = dict(mart.execute("select rep_id, is_active from marts.dim_sales_staff").fetchall())
    # E3 leaves on 04-10 (still active on D), E4 is hired on 04-01 (not yet)
    assert staff == {"E1": True, "E2": True, "E3": True, "E4": False}
    days = mart.execute("select distinct active_as_of_date from marts.dim_sales_staff").fetchall()
    assert days == [(D,)]


def test_the_running_month_and_week_are_to_date(mart):
    month = mart.execute(
        "select collection_month, period_end_date, days_covered, is_partial_period, "
        "cast(receivable_due_cny as double), cast(collected_cny as double), "
        "cast(collection_rate as double) from marts.fct_collection_monthly"
    ).fetchall()
    # I1 (100,000) fell due on 03-20, 40,000 paid by D: 40 % so far in a month 25 days old
    assert [row[1:] for row in month] == [(D, 25, True, 100_000.0, 40_000.0, 0.4)]
    metrics = dict(
        mart.execute(
            "select month_start, is_partial_period from marts.fct_sales_validation_metrics "
            "where scope_type = 'company'"
        ).fetchall()
    )
    assert metrics[D.replace(day=1)] is True
    assert not any(
        partial for month_start, partial in metrics.items() if month_start < D.replace(day=1)
    )
    week = mart.execute(
        "select distinct week_start, period_end_date, days_covered, is_partial_period "
        "from marts.fct_sales_log_heat_map"
    ).fetchall()
    # L1 was on Tuesday 03-10: that week is complete; nothing is shown for later weeks
    assert [row[1:] for row in week] == [(D.replace(day=15), 7, False)]
