"""Objections, drill path, heat map and quotes against the generator's planted story."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


def _story(pipeline_run) -> dict:
    return json.loads(
        (Path(pipeline_run.settings.landing_dir) / "_truth" / "story.json").read_text("utf-8")
    )


def test_lost_deals_top_objection_is_the_planted_one(pipeline_run, mart):
    story = _story(pipeline_run)
    shares = mart.sql(
        "select objection_category,"
        " sum(mentioning_opportunity_count) / sum(lost_opportunity_count) as share"
        " from marts.fct_lost_deal_objections group by objection_category"
        " order by share desc, objection_category"
    ).fetchall()
    assert shares[0][0] == story["top_objection_category"]
    # the planted share is large, not a near tie
    assert shares[0][1] > 2 * shares[1][1]
    # every category of the configured taxonomy appears
    assert {c for c, _ in shares} >= set(story["objection_keywords"])


DRILL = [
    "fct_drill_region_revenue",
    "fct_drill_top_opportunities",
    "fct_drill_communications",
    "fct_drill_objections",
]


@pytest.mark.parametrize("table", DRILL)
def test_every_drill_step_carries_the_cross_filter_columns(mart, table):
    columns = {r[0] for r in mart.execute(f"describe marts.{table}").fetchall()}
    assert {"region_id", "region_name", "opportunity_id", "customer_id"} <= columns


def test_drill_path_steps_chain(mart):
    per_region = mart.execute(
        "select max(n) from (select count(*) as n from marts.fct_drill_top_opportunities"
        " group by region_id)"
    ).fetchall()[0][0]
    assert 1 <= per_region <= 3
    # communications are the owner's, with the opportunity's customer
    strays = mart.execute(
        "select count(*) from marts.fct_drill_communications as c"
        " join marts.fct_drill_top_opportunities as o using (opportunity_id)"
        " where c.customer_id <> o.customer_id or c.owner_rep_id <> o.owner_rep_id"
    ).fetchall()[0][0]
    assert strays == 0
    assert mart.execute("select count(*) from marts.fct_drill_objections").fetchall()[0][0] > 0


def test_heat_map_ranks_regions_as_planted(pipeline_run, mart):
    planted = _story(pipeline_run)["first_visit_to_demo_conversion"]
    rates = dict(
        mart.execute(
            "select region_id, max(region_conversion_rate) from marts.fct_sales_log_heat_map"
            " where template_code = 'first_visit' group by region_id"
        ).fetchall()
    )
    assert sorted(rates, key=rates.get) == sorted(planted, key=lambda r: planted[r]["rate"])
    for region, truth in planted.items():
        assert abs(rates[region] - truth["rate"]) < 0.1, region
