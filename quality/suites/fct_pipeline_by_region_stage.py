"""The open pipeline: every row aggregates open opportunities of an open stage (blocking); the
table is not empty and no average deal is implausibly large (warnings)."""

from __future__ import annotations

from quality import expect

MODEL = "fct_pipeline_by_region_stage"


def invariants(rules) -> list:
    return [
        # every row aggregates at least one open opportunity
        expect.between("opportunity_count", min_value=1),
        expect.between("pipeline_amount_cny", min_value=0),
        # only stages the opportunity_stages seed marks open are in the pipeline
        expect.in_set("stage_order", rules.open_stage_orders()),
    ]


def expectations(rules) -> list:
    return [
        expect.not_empty(),
        # an average open deal above the limit: an amount unit went wrong (万 → 元)
        expect.between(
            "average_deal_cny", max_value=rules.expectation("max_average_open_deal_cny")
        ),
    ]


def prepare(frame, rules):
    """Derived columns the expectations read."""
    frame = frame.copy()
    frame["average_deal_cny"] = frame["pipeline_amount_cny"].astype(float) / frame[
        "opportunity_count"
    ].astype(float)
    return frame
