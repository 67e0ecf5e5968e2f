"""The drill path's top opportunities (穿透②): ranks within drill_top_opportunities, the stuck flag
agrees with days in stage and the stage limit (blocking); the table is not empty (warning)."""

from __future__ import annotations

MODEL = "fct_drill_top_opportunities"


def prepare(frame, rules):
    frame = frame.copy()
    over = frame["days_in_stage"] > frame["max_days_in_stage"]
    frame["stuck_agrees"] = frame["is_stuck"] == over.fillna(False).astype(bool)
    return frame


def invariants(rules) -> list:
    import great_expectations as gx

    return [
        gx.expectations.ExpectColumnValuesToBeBetween(
            column="opportunity_rank",
            min_value=1,
            max_value=rules.parameter("drill_top_opportunities"),
        ),
        gx.expectations.ExpectColumnValuesToBeBetween(column="amount_cny", min_value=0),
        gx.expectations.ExpectColumnValuesToBeInSet(column="stuck_agrees", value_set=[True]),
    ]


def expectations(rules) -> list:
    import great_expectations as gx

    return [gx.expectations.ExpectTableRowCountToBeBetween(min_value=1)]
