"""Access grants: a grant ends after it starts, and an ended grant says why (blocking); the table
is not empty (warning)."""

from __future__ import annotations

from quality import expect

MODEL = "fct_access_grants"


def invariants(rules) -> list:
    return [
        expect.at_least("valid_to", "valid_from", ignore_row_if="either_value_is_missing"),
        # a grant in force has no end, an ended one has a reason
        expect.equal("has_end", "has_end_reason"),
    ]


def expectations(rules) -> list:
    return [expect.not_empty()]


def prepare(frame, rules):
    """Derived columns the expectations read."""
    frame = frame.copy()
    frame["has_end"] = frame["valid_to"].notna()
    frame["has_end_reason"] = frame["end_reason"].notna()
    return frame
