"""Receivables aging: the five aging buckets add up to the outstanding balance (blocking); most
open balances are not long overdue (warning)."""

from __future__ import annotations

from quality import expect

MODEL = "fct_receivables_daily"
BUCKETS = (
    "not_due_cny",
    "overdue_1_30_cny",
    "overdue_31_60_cny",
    "overdue_61_90_cny",
    "overdue_over_90_cny",
)


def invariants(rules) -> list:
    return [
        expect.between("outstanding_cny", min_value=0, strict_min=True),
        expect.between("open_invoice_count", min_value=1),
        # the five aging buckets add up to the outstanding balance (to the fen)
        expect.between("bucket_gap_cny", -0.01, 0.01),
    ]


def expectations(rules) -> list:
    return [
        expect.between(
            "max_days_overdue",
            max_value=rules.expectation("max_usual_days_overdue"),
            mostly=rules.expectation("min_share_within_usual_overdue"),
        ),
    ]


def prepare(frame, rules):
    """Derived columns the expectations read."""
    frame = frame.copy()
    total = sum(frame[column].astype(float) for column in BUCKETS)
    frame["bucket_gap_cny"] = frame["outstanding_cny"].astype(float) - total
    return frame
