"""Cross-column rules of the drill path's top opportunities (穿透②): ranks within the configured
top N, the stuck flag agrees with days in stage and the stage limit."""

from __future__ import annotations

MODEL = "fct_drill_top_opportunities"


def prepare(frame):
    frame = frame.copy()
    over = frame["days_in_stage"] > frame["max_days_in_stage"]
    frame["stuck_agrees"] = frame["is_stuck"] == over.fillna(False).astype(bool)
    return frame


def expectations() -> list:
    import great_expectations as gx

    return [
        gx.expectations.ExpectTableRowCountToBeBetween(min_value=1),
        gx.expectations.ExpectColumnValuesToBeBetween(
            column="opportunity_rank", min_value=1, max_value=50
        ),
        gx.expectations.ExpectColumnValuesToBeBetween(column="amount_cny", min_value=0),
        gx.expectations.ExpectColumnValuesToBeInSet(column="stuck_agrees", value_set=[True]),
    ]
