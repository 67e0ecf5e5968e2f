"""An independent recomputation of customer health, in plain Python, compared with the mart.

It reads the ingested raw tables (never the dbt models), keeps the latest version of each key as
the landing contract says, reads the thresholds from the rule seeds, and evaluates H1–H4 and the
status of a seeded sample of customers on a sample of days straight from the rules (the seeds and
the model docs).
"""

from __future__ import annotations

import csv
import random
from datetime import date, datetime, timedelta

import duckdb
import polars as pl

from pipelines.config import DBT_PROJECT_DIR


def rules() -> dict[str, float]:
    path = DBT_PROJECT_DIR / "seeds" / "rule_parameters.csv"
    with path.open(encoding="utf-8") as handle:
        return {row["parameter"]: float(row["value"]) for row in csv.DictReader(handle)}


def latest(conn, table: str, key: str) -> pl.DataFrame:
    """The raw table, one row per key: the version from the most recently ingested file."""
    frame = pl.from_arrow(conn.sql(f"select * from {table}").to_arrow_table())
    return frame.sort(["_ingested_at", "_source_file", "_source_row"], descending=True).unique(
        subset=[key], keep="first", maintain_order=True
    )


def as_date(value) -> date:
    return value.date() if isinstance(value, datetime) else value


def evaluate(customer: str, day: date, data: dict, rule: dict[str, float]) -> dict:
    """Health of one customer at the end of one day, per the health rules."""
    h1_start = day - timedelta(days=int(rule["h1_lookback_days"]) - 1)
    meetings = [
        m for m in data["meetings"].get(customer, []) if h1_start <= as_date(m["start_at"]) <= day
    ]
    h1 = False
    if meetings:
        last = max(meetings, key=lambda m: (m["start_at"], m["meeting_id"]))
        minutes = (last["end_at"] - last["start_at"]).total_seconds() / 60
        h1 = minutes >= rule["h1_min_meeting_minutes"]

    h2_start = day - timedelta(days=int(rule["h2_window_days"]) - 1)
    proposals = [d for d in data["proposals"].get(customer, []) if h2_start <= d <= day]
    h2 = len(proposals) >= rule["h2_min_proposals"]

    h3_start = day - timedelta(days=int(rule["h3_window_days"]) - 1)
    interactions = [d for d in data["interactions"].get(customer, []) if h3_start <= d <= day]
    h3 = len(interactions) >= rule["h3_min_interactions"]

    delivered = [(a, p) for a, p in data["deliveries"].get(customer, []) if a <= day]
    h4 = None
    if delivered:
        on_time = sum(1 for actual, promised in delivered if actual <= promised)
        h4 = on_time / len(delivered) > rule["h4_min_on_time_rate"]

    failing = (not h1) + (not h2) + (not h3) + (h4 is False)
    if failing >= rule["red_min_failing"]:
        status = "red"
    elif failing >= rule["yellow_min_failing"]:
        status = "yellow"
    else:
        status = "green"
    return {"h1": h1, "h2": h2, "h3": h3, "h4": h4, "failing": failing, "status": status}


def load(build_db) -> dict:
    conn = duckdb.connect(str(build_db), read_only=True)
    try:
        customers = latest(conn, "raw_crm.customers", "customer_id")
        contacts = latest(conn, "raw_crm.contacts", "contact_id")
        meetings = latest(conn, "raw_meetings.meetings", "meeting_id")
        documents = latest(conn, "raw_docs.documents_sent", "document_id")
        interactions = latest(conn, "raw_social.interactions", "interaction_id")
        deliveries = latest(conn, "raw_erp.deliveries", "delivery_id")
        mart = pl.from_arrow(
            conn.sql(
                "select customer_id, health_date, h1_is_passing, h2_is_passing, h3_is_passing,"
                " h4_is_passing, failing_count, health_status from marts.fct_customer_health_daily"
            ).to_arrow_table()
        )
    finally:
        conn.close()

    with (DBT_PROJECT_DIR / "seeds" / "decision_roles.csv").open(encoding="utf-8") as handle:
        decision_roles = {
            row["role_code"] for row in csv.DictReader(handle) if row["is_decision_maker"] == "true"
        }
    contact_customer = {
        row["contact_id"]: row["customer_id"]
        for row in contacts.iter_rows(named=True)
        if row["role"] in decision_roles
    }
    data: dict = {"meetings": {}, "proposals": {}, "interactions": {}, "deliveries": {}}
    for row in meetings.iter_rows(named=True):
        if row["meeting_type"] == "technical_exchange" and row["customer_id"] and row["end_at"]:
            data["meetings"].setdefault(row["customer_id"], []).append(row)
    for row in documents.iter_rows(named=True):
        if row["document_type"] == "customised_proposal" and row["customer_id"]:
            data["proposals"].setdefault(row["customer_id"], []).append(as_date(row["sent_at"]))
    for row in interactions.iter_rows(named=True):
        customer = contact_customer.get(row["contact_id"])
        if customer:
            data["interactions"].setdefault(customer, []).append(as_date(row["occurred_at"]))
    for row in deliveries.iter_rows(named=True):
        if row["actual_date"] is not None:
            data["deliveries"].setdefault(row["customer_id"], []).append(
                (row["actual_date"], row["promised_date"])
            )
    data["customers"] = customers
    data["mart"] = mart
    return data


def test_health_status_recomputed_in_python_agrees_with_the_mart(pipeline_run):
    data = load(pipeline_run.settings.build_db)
    rule = rules()
    mart = {
        (row["customer_id"], as_date(row["health_date"])): row
        for row in data["mart"].iter_rows(named=True)
    }
    first_day = min(day for _, day in mart)
    last_day = max(day for _, day in mart)
    # the mart's first day is where the 30-day windows are full: the data's first day + 29
    assert first_day == min(
        min(as_date(m["start_at"]) for rows in data["meetings"].values() for m in rows),
        min(d for rows in data["proposals"].values() for d in rows),
        min(d for rows in data["interactions"].values() for d in rows),
    ) + timedelta(days=int(max(rule["h2_window_days"], rule["h3_window_days"])) - 1)

    active = [
        row["customer_id"]
        for row in data["customers"].iter_rows(named=True)
        if row["status"] != "prospect"
    ]
    sampler = random.Random(20251101)
    customers = sampler.sample(sorted(active), 25)
    span = (last_day - first_day).days
    days = sorted({first_day + timedelta(days=sampler.randint(0, span)) for _ in range(12)})
    days += [first_day, last_day]

    compared = 0
    mismatches = []
    for customer in customers:
        row = data["customers"].filter(pl.col("customer_id") == customer).row(0, named=True)
        for day in days:
            is_active = row["created_date"] <= day and (
                row["churned_date"] is None or day < row["churned_date"]
            )
            in_mart = (customer, day) in mart
            assert in_mart == is_active, (customer, day, "active in Python but not in the mart")
            if not is_active:
                continue
            mine = evaluate(customer, day, data, rule)
            theirs = mart[(customer, day)]
            got = {
                "h1": theirs["h1_is_passing"],
                "h2": theirs["h2_is_passing"],
                "h3": theirs["h3_is_passing"],
                "h4": theirs["h4_is_passing"],
                "failing": theirs["failing_count"],
                "status": theirs["health_status"],
            }
            compared += 1
            if got != mine:
                mismatches.append((customer, day, mine, got))
    assert compared >= 100
    assert not mismatches, mismatches[:5]
