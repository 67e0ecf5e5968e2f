"""Monthly collection rate: a rate between 0 and 1, never more collected than due (blocking)."""

from __future__ import annotations

MODEL = "fct_collection_monthly"


def invariants(rules) -> list:
    import great_expectations as gx

    return [
        gx.expectations.ExpectColumnValuesToBeBetween(
            column="collection_rate", min_value=0, max_value=1
        ),
        gx.expectations.ExpectColumnValuesToBeBetween(
            column="receivable_due_cny", min_value=0, strict_min=True
        ),
        gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="receivable_due_cny", column_B="collected_cny", or_equal=True
        ),
    ]
