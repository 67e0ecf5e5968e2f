"""The roster on the real pipeline run of the sample company (served file): a person's left_date
ends every grant they hold at 00:00 of that day, and nothing is routed to, opened under or held
by them from that day on. The sample plants a leaver whose customers are handed over at 10:00
on the left day, and customers the CRM kept assigning to the leaver afterwards
(story.json: stale_assignments), and a squad lead who leaves with nobody in their place
(squad_lead_leavers), whose customers wait in the 待分配 queue."""

from __future__ import annotations

import json

import pytest

# people and the day from which they are gone (left) or the day before which they were not there
ROSTER = "(select rep_id, squad_id, hired_date, left_date from marts.dim_sales_staff)"


@pytest.fixture(scope="module")
def story(pipeline_run) -> dict:
    path = pipeline_run.settings.landing_dir / "_truth" / "story.json"
    return json.loads(path.read_text(encoding="utf-8"))


def rows(mart, sql: str) -> list[tuple]:
    return mart.execute(sql).fetchall()


def test_the_sample_has_a_leaver_with_customers_and_stale_assignments(mart, story):
    assert story["leavers"], "the sample company has no leaver: the roster rules go untested"
    assert story["stale_assignments"], "no customer assigned to a leaver after the left day"
    ended = rows(
        mart,
        "select count(*) from marts.fct_access_grants where end_reason = 'left'",
    )[0][0]
    inherited = rows(
        mart,
        "select count(*) from marts.fct_access_grants where inherited_from_rep_id is not null",
    )[0][0]
    assert ended > 0 and inherited > 0, (ended, inherited)


def test_no_grant_of_a_leaver_reaches_past_the_left_day(mart):
    late = rows(
        mart,
        f"""
        select grants.grant_id, grants.rep_id, grants.valid_from, grants.valid_to,
            staff.left_date
        from marts.fct_access_grants as grants
        inner join {ROSTER} as staff on grants.rep_id = staff.rep_id
        where staff.left_date is not null
          and (grants.valid_to is null
            or grants.valid_to > cast(staff.left_date as timestamp)
            or grants.valid_from >= cast(staff.left_date as timestamp))
        """,
    )
    assert late == [], late[:10]


def test_a_leavers_customers_pass_to_the_squad_lead_at_midnight(mart, story):
    """Handed over at 10:00 on the left day in the CRM: the leaver's grant ends at 00:00 and the
    squad lead holds the customer from 00:00 until the handover."""
    leaver = story["leavers"][0]
    handover = next(h for h in story["handovers"] if h["from_rep_id"] == leaver["rep_id"])
    lead = rows(
        mart,
        f"select lead.rep_id from marts.dim_sales_staff as lead "
        f"inner join marts.dim_sales_staff as rep on lead.squad_id = rep.squad_id "
        f"where rep.rep_id = '{leaver['rep_id']}' and lead.rep_role = 'squad_lead'",
    )[0][0]
    grants = rows(
        mart,
        f"select rep_id, valid_from, valid_to, end_reason from marts.fct_access_grants "
        f"where grant_source = 'ownership' and customer_id = '{handover['customer_id']}' "
        f"order by valid_from",
    )
    midnight = f"{leaver['left_date']} 00:00:00"
    by_rep = {(rep, str(start), str(end), reason) for rep, start, end, reason in grants}
    assert (leaver["rep_id"], midnight, "left") in {(r, e, why) for r, _s, e, why in by_rep}, grants
    assert (lead, midnight, handover["handed_over_at"], "handover") in by_rep, grants
    assert (handover["to_rep_id"], handover["handed_over_at"]) in {
        (r, s) for r, s, _e, _w in by_rep
    }


def acting_squad_lead(mart, rep_id: str) -> str | None:
    """The active squad lead of the person's squad on the as-of day, if any."""
    leads = rows(
        mart,
        f"select lead.rep_id from marts.dim_sales_staff as lead "
        f"inner join marts.dim_sales_staff as rep on lead.squad_id = rep.squad_id "
        f"where rep.rep_id = '{rep_id}' and lead.rep_role = 'squad_lead' and lead.is_active "
        f"order by lead.hired_date, lead.rep_id",
    )
    return leads[0][0] if leads else None


def test_stale_assignments_are_held_by_the_squad_lead_or_wait_in_the_queue(mart, story):
    for stale in story["stale_assignments"]:
        lead = acting_squad_lead(mart, stale["rep_id"])
        holder = rows(
            mart,
            f"select owner_rep_id, owner_assignment_status from marts.dim_customers "
            f"where customer_id = '{stale['customer_id']}'",
        )
        expected = (lead, "squad_lead") if lead else (None, "unassigned")
        assert holder == [expected], (stale, holder)
        follow_ups = rows(
            mart,
            f"select follow_up_rep_id, follow_up_assigned_by from marts.fct_lead_cards "
            f"where customer_id = '{stale['customer_id']}'",
        )
        assert follow_ups, stale
        for rep, assigned_by in follow_ups:
            if lead:  # the squad lead holding the customer follows its leads up
                assert (rep, assigned_by) == (lead, "customer_owner"), follow_ups
            else:  # the customer waits in the queue: routing finds an active person
                assert rep is not None and assigned_by in ("routing", "squad_lead"), follow_ups


def test_a_squad_lead_leaving_alone_sends_their_customers_to_the_queue(mart, story):
    """The sample's squad lead who leaves with nobody in their place: from the left day their
    customers wait in 待分配 — no owner, no grant — and alerts opened then have no owner."""
    assert story["squad_lead_leavers"], "the sample has no squad lead leaving: 待分配 untested"
    for leaver in story["squad_lead_leavers"]:
        assert acting_squad_lead(mart, leaver["rep_id"]) is None
        queued = rows(
            mart,
            f"select customers.customer_id, customers.owner_rep_id "
            f"from marts.dim_customers as customers "
            f"inner join marts.fct_access_grants as grants "
            f"on customers.customer_id = grants.customer_id "
            f"where grants.rep_id = '{leaver['rep_id']}' and grants.end_reason = 'left' "
            f"and grants.grant_source = 'ownership' "
            f"and grants.valid_to = timestamp '{leaver['left_date']} 00:00:00' "
            f"and customers.owner_assignment_status = 'unassigned'",
        )
        assert queued and all(owner is None for _customer, owner in queued), queued
        customers = ", ".join(f"'{customer}'" for customer, _owner in queued)
        held = rows(
            mart,
            f"select count(*) from marts.fct_access_grants "
            f"where customer_id in ({customers}) and valid_from >= timestamp "
            f"'{leaver['left_date']} 00:00:00'",
        )[0][0]
        assert held == 0, "a customer in the queue got a grant"
        opened = rows(
            mart,
            f"select owner_rep_id_at_open, current_owner_rep_id, assignment_status "
            f"from marts.fct_red_alerts where customer_id in ({customers}) "
            f"and opened_date >= date '{leaver['left_date']}'",
        )
        assert all(row == (None, None, "unassigned") for row in opened), opened


@pytest.mark.parametrize(
    ("table", "person", "day"),
    [
        ("fct_lead_cards", "follow_up_rep_id", "created_date"),
        ("fct_lead_cards", "engineer_rep_id", "created_date"),
        ("fct_lead_cards", "legal_rep_id", "created_date"),
        ("fct_lead_tasks", "assignee_rep_id", "cast(task_created_at as date)"),
        ("fct_activation_tasks", "owner_rep_id", "created_date"),
        ("fct_red_alerts", "owner_rep_id_at_open", "opened_date"),
    ],
)
def test_nothing_is_routed_or_opened_under_an_inactive_person(mart, table, person, day):
    wrong = rows(
        mart,
        f"""
        select facts.{person}, {day}, staff.hired_date, staff.left_date
        from marts.{table} as facts
        inner join {ROSTER} as staff on facts.{person} = staff.rep_id
        where (staff.left_date is not null and {day} >= staff.left_date)
           or (staff.hired_date is not null and {day} < staff.hired_date)
        """,
    )
    assert wrong == [], wrong[:10]


@pytest.mark.parametrize(
    ("table", "person", "is_open"),
    [
        ("fct_red_alerts", "current_owner_rep_id", "is_open"),
        ("fct_activation_tasks", "current_owner_rep_id", "is_open"),
        ("fct_lead_cards", "current_follow_up_rep_id", "is_open"),
        ("dim_customers", "owner_rep_id", "true"),
    ],
)
def test_what_is_open_now_is_held_by_an_active_person_or_waits_in_the_queue(
    mart, table, person, is_open
):
    wrong = rows(
        mart,
        f"""
        select facts.{person}
        from marts.{table} as facts
        inner join marts.dim_sales_staff as staff on facts.{person} = staff.rep_id
        where {is_open} and not staff.is_active
        """,
    )
    assert wrong == [], wrong[:10]
