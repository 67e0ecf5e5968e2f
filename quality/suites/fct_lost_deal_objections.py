"""Lost-deal attribution (丢单归因): mentions never exceed lost deals (blocking); the table is not
empty (warning)."""

from __future__ import annotations

MODEL = "fct_lost_deal_objections"


def prepare(frame, rules):
    frame = frame.copy()
    frame["unmentioned_count"] = (
        frame["lost_opportunity_count"] - frame["mentioning_opportunity_count"]
    )
    return frame


def invariants(rules) -> list:
    import great_expectations as gx

    return [
        gx.expectations.ExpectColumnValuesToBeBetween(
            column="mention_share", min_value=0, max_value=1
        ),
        gx.expectations.ExpectColumnValuesToBeBetween(column="unmentioned_count", min_value=0),
        gx.expectations.ExpectColumnValuesToBeBetween(column="lost_opportunity_count", min_value=1),
    ]


def expectations(rules) -> list:
    import great_expectations as gx

    return [gx.expectations.ExpectTableRowCountToBeBetween(min_value=1)]
