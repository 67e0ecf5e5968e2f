"""Red alerts: opened on a red day, at most one open per customer (blocking)."""

from __future__ import annotations

from quality import expect

MODEL = "fct_red_alerts"


def invariants(rules) -> list:
    return [
        expect.between("red_days", min_value=1),
        # an alert opens on a red day: at least red_min_failing indicators failing, at most all
        expect.between(
            "failing_count_at_open",
            rules.parameter("red_min_failing"),
            len(rules.indicator_weights()),
        ),
        expect.at_least("last_red_date", "opened_date"),
        expect.at_least(
            "closed_date", "last_red_date", or_equal=False, ignore_row_if="either_value_is_missing"
        ),
        # at most one open alert per customer
        expect.unique("open_customer_id"),
    ]


def prepare(frame, rules):
    """Derived columns the expectations read."""
    frame = frame.copy()
    frame["open_customer_id"] = frame["customer_id"].where(frame["is_open"].astype(bool))
    return frame
