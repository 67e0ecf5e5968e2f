"""Lost-deal attribution (丢单归因): mentions never exceed lost deals (blocking); the table is not
empty (warning)."""

from __future__ import annotations

from quality import expect

MODEL = "fct_lost_deal_objections"


def prepare(frame, rules):
    frame = frame.copy()
    frame["unmentioned_count"] = (
        frame["lost_opportunity_count"] - frame["mentioning_opportunity_count"]
    )
    return frame


def invariants(rules) -> list:
    return [
        expect.share("mention_share"),
        expect.between("unmentioned_count", min_value=0),
        expect.between("lost_opportunity_count", min_value=1),
    ]


def expectations(rules) -> list:
    return [expect.not_empty()]
