"""Cross-column rules on receivables aging (dbt owns the key)."""

from __future__ import annotations

MODEL = "fct_receivables_daily"


def expectations() -> list:
    import great_expectations as gx

    return [
        gx.expectations.ExpectColumnValuesToBeBetween(column="outstanding_cny", min_value=0.01),
        gx.expectations.ExpectColumnValuesToBeBetween(column="open_invoice_count", min_value=1),
        # the five aging buckets add up to the outstanding balance (to the fen)
        gx.expectations.ExpectColumnValuesToBeBetween(
            column="bucket_gap_cny", min_value=-0.01, max_value=0.01
        ),
        # most open balances are not yet due in a healthy ledger
        gx.expectations.ExpectColumnValuesToBeBetween(
            column="max_days_overdue", max_value=90, mostly=0.5
        ),
    ]


def prepare(frame):
    """Derived columns the expectations read."""
    frame = frame.copy()
    buckets = [
        "not_due_cny",
        "overdue_1_30_cny",
        "overdue_31_60_cny",
        "overdue_61_90_cny",
        "overdue_over_90_cny",
    ]
    total = sum(frame[column].astype(float) for column in buckets)
    frame["bucket_gap_cny"] = frame["outstanding_cny"].astype(float) - total
    return frame
