"""Red alerts: opened on a red day, at most one open per customer (blocking)."""

from __future__ import annotations

MODEL = "fct_red_alerts"


def invariants(rules) -> list:
    import great_expectations as gx

    return [
        gx.expectations.ExpectColumnValuesToBeBetween(column="red_days", min_value=1),
        # an alert opens on a red day: at least red_min_failing indicators failing, at most all
        gx.expectations.ExpectColumnValuesToBeBetween(
            column="failing_count_at_open",
            min_value=rules.parameter("red_min_failing"),
            max_value=len(rules.indicator_weights()),
        ),
        gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="last_red_date", column_B="opened_date", or_equal=True
        ),
        gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="closed_date",
            column_B="last_red_date",
            ignore_row_if="either_value_is_missing",
        ),
        # at most one open alert per customer
        gx.expectations.ExpectColumnValuesToBeUnique(column="open_customer_id"),
    ]


def prepare(frame, rules):
    """Derived columns the expectations read."""
    frame = frame.copy()
    frame["open_customer_id"] = frame["customer_id"].where(frame["is_open"].astype(bool))
    return frame
