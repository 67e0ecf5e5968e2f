"""Distribution and cross-column rules on the open pipeline mart (dbt owns keys and not-nulls)."""

from __future__ import annotations

MODEL = "fct_pipeline_by_region_stage"


def expectations() -> list:
    import great_expectations as gx

    return [
        gx.expectations.ExpectTableRowCountToBeBetween(min_value=1),
        # every row aggregates at least one open opportunity
        gx.expectations.ExpectColumnValuesToBeBetween(column="opportunity_count", min_value=1),
        gx.expectations.ExpectColumnValuesToBeBetween(column="pipeline_amount_cny", min_value=0),
        # the funnel position agrees with the stage: only open stages (1–5) can be in the pipeline
        gx.expectations.ExpectColumnValuesToBeBetween(
            column="stage_order", min_value=1, max_value=5
        ),
        # an average open deal is below ¥100M: above it, an amount unit went wrong (万 → 元)
        gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="opportunity_count",
            column_B="pipeline_amount_cny_per_100m",
            or_equal=True,
        ),
    ]


def prepare(frame):
    """Derived columns the expectations read."""
    frame = frame.copy()
    frame["pipeline_amount_cny_per_100m"] = frame["pipeline_amount_cny"].astype(float) / 1e8
    return frame
