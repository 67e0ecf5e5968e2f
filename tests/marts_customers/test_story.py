"""The planted story is visible in the customer marts: churned customers had red alerts before
churning in the proportion the generator planted, and every activation task names the owner of
the customer on the day its alert opened (recomputed from the raw ownership history and roster)."""

from __future__ import annotations

import json
from datetime import timedelta

import duckdb


def story(pipeline_run) -> dict:
    path = pipeline_run.settings.landing_dir / "_truth" / "story.json"
    return json.loads(path.read_text(encoding="utf-8"))


def test_churned_customers_had_alerts_in_the_planted_proportion(pipeline_run):
    truth = story(pipeline_run)
    with duckdb.connect(str(pipeline_run.settings.build_db), read_only=True) as conn:
        churned, covered = conn.execute(
            "select sum(churned_customers), sum(covered_customers)"
            " from marts.fct_churn_alert_coverage"
        ).fetchone()
        alerted = {
            row[0]
            for row in conn.execute(
                "select distinct customer_id from marts.fct_red_alerts"
                " where close_reason = 'churned'"
            ).fetchall()
        }
    planted = truth["churn_alert_coverage_planted"]
    assert churned == len(truth["churned_customers"])
    assert abs(covered / churned - planted) <= 0.1, (covered / churned, planted)
    # far above the 10 % baseline of the background
    assert covered / churned > 0.5
    decayed = {c["customer_id"] for c in truth["churned_customers"] if c["pattern"] == "decayed"}
    assert decayed <= alerted, decayed - alerted


def test_task_packs_name_the_owner_on_the_day_the_alert_opened(pipeline_run):
    truth = story(pipeline_run)
    with duckdb.connect(str(pipeline_run.settings.build_db), read_only=True) as conn:
        tasks = conn.execute(
            "select customer_id, created_date, owner_rep_id from marts.fct_activation_tasks"
        ).fetchall()
        history = conn.execute(
            "select customer_id, to_rep_id, changed_at from raw_crm.customer_ownership"
            " qualify row_number() over (partition by record_id order by _ingested_at desc) = 1"
        ).fetchall()
        roster = conn.execute(
            "select rep_id, role, squad_id, left_date from raw_crm.reps"
            " qualify row_number() over (partition by rep_id order by _ingested_at desc) = 1"
        ).fetchall()
    by_customer: dict[str, list] = {}
    for customer, rep, changed_at in history:
        by_customer.setdefault(customer, []).append((changed_at, rep))
    left = {rep: left_date for rep, _role, _squad, left_date in roster}
    squad_lead = {squad: rep for rep, role, squad, _left in roster if role == "squad_lead"}
    squad_of = {rep: squad for rep, _role, squad, _left in roster}

    def gone(rep: str, day) -> bool:
        return left[rep] is not None and left[rep] <= day

    assert tasks
    for customer, created_date, owner in tasks:
        end_of_day = created_date + timedelta(days=1)
        changes = sorted(c for c in by_customer[customer] if c[0].date() < end_of_day)
        crm_owner = changes[-1][1]

        # a leaver's customer belongs to the squad lead from the left day, or to nobody (待分配)
        # when the squad lead is gone too (each sample squad has one squad lead)
        expected = crm_owner
        if gone(crm_owner, created_date):
            lead = squad_lead.get(squad_of[crm_owner])
            expected = None if lead is None or gone(lead, created_date) else lead
        assert owner == expected, (customer, created_date, owner, changes)

    # tasks of handed-over customers after the handover go to the new owner
    handed = {h["customer_id"]: h for h in truth["handovers"]}
    after = [
        (customer, owner)
        for customer, created_date, owner in tasks
        if customer in handed and str(created_date) > handed[customer]["handed_over_at"][:10]
    ]
    for customer, owner in after:
        later = [h for h in truth["handovers"] if h["customer_id"] == customer]
        assert owner in {h["to_rep_id"] for h in later}
