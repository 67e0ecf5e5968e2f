"""The drill path's top opportunities (穿透②): ranks within drill_top_opportunities, the stuck flag
agrees with days in stage and the stage limit (blocking); the table is not empty (warning)."""

from __future__ import annotations

from quality import expect

MODEL = "fct_drill_top_opportunities"


def prepare(frame, rules):
    frame = frame.copy()
    over = frame["days_in_stage"] > frame["max_days_in_stage"]
    frame["stuck_agrees"] = frame["is_stuck"] == over.fillna(False).astype(bool)
    return frame


def invariants(rules) -> list:
    return [
        expect.between("opportunity_rank", 1, rules.parameter("drill_top_opportunities")),
        expect.between("amount_cny", min_value=0),
        expect.holds("stuck_agrees"),
    ]


def expectations(rules) -> list:
    return [expect.not_empty()]
