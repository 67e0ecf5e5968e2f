"""Monthly collection rate: a rate between 0 and 1, never more collected than due (blocking)."""

from __future__ import annotations

from quality import expect

MODEL = "fct_collection_monthly"


def invariants(rules) -> list:
    return [
        expect.share("collection_rate"),
        expect.between("receivable_due_cny", min_value=0, strict_min=True),
        expect.at_least("receivable_due_cny", "collected_cny"),
    ]
