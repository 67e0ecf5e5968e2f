"""Distribution and cross-column rules on daily customer health (dbt owns keys and not-nulls)."""

from __future__ import annotations

MODEL = "fct_customer_health_daily"


def expectations() -> list:
    import great_expectations as gx

    return [
        gx.expectations.ExpectTableRowCountToBeBetween(min_value=1),
        gx.expectations.ExpectColumnValuesToBeBetween(
            column="health_score", min_value=0, max_value=100
        ),
        gx.expectations.ExpectColumnValuesToBeBetween(
            column="h4_on_time_rate", min_value=0, max_value=1
        ),
        # a company where most customer-days are red has broken inputs, not broken customers
        gx.expectations.ExpectColumnValuesToBeInSet(
            column="health_status", value_set=["green", "yellow"], mostly=0.5
        ),
        # never more failing indicators than evaluated ones, nor more on time than delivered
        gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="evaluated_count", column_B="failing_count", or_equal=True
        ),
        gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="h4_delivered_count", column_B="h4_on_time_count", or_equal=True
        ),
        # status agrees with the evidence: green rows have a perfect score, red ones at most 50
        gx.expectations.ExpectColumnValuesToBeBetween(
            column="green_score_gap", min_value=0, max_value=0
        ),
        gx.expectations.ExpectColumnValuesToBeBetween(
            column="red_score_excess", min_value=0, max_value=0
        ),
    ]


def prepare(frame):
    """Derived columns the expectations read."""
    frame = frame.copy()
    score = frame["health_score"].astype(float)
    green = frame["health_status"] == "green"
    red = frame["health_status"] == "red"
    frame["green_score_gap"] = (100.0 - score).where(green, 0.0)
    frame["red_score_excess"] = (score - 50.0).clip(lower=0).where(red, 0.0)
    return frame
