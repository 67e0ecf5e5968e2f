"""Reverse validation (反向校验): the flag agrees with the counts and with
reverse_validation_max_diff_ratio (blocking); the table is not empty (warning)."""

from __future__ import annotations

from quality import expect

MODEL = "fct_reverse_validation_daily"


def invariants(rules) -> list:
    return [
        expect.between("diff_ratio", min_value=0),
        # flagged when the ratio is above the rule, or when there is no WeCom contact (a day with
        # none has no ratio, and is here only because it has a reported customer)
        expect.equal("is_flagged", "flagged_by_rules"),
        expect.equal("has_ratio", "has_wecom_customer"),
    ]


def expectations(rules) -> list:
    return [expect.not_empty()]


def prepare(frame, rules):
    """Derived columns the expectations read."""
    frame = frame.copy()
    ratio = frame["diff_ratio"].astype(float)
    wecom = frame["wecom_customer_count"] > 0
    above = ratio > rules.parameter("reverse_validation_max_diff_ratio")
    frame["flagged_by_rules"] = (above.fillna(False) & wecom) | (
        ~wecom & (frame["reported_customer_count"] > 0)
    )
    frame["is_flagged"] = frame["is_flagged"].astype(bool)
    frame["has_ratio"] = frame["diff_ratio"].notna()
    frame["has_wecom_customer"] = wecom
    return frame
