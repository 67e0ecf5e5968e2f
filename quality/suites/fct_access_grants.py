"""Access grants: a grant ends after it starts, and an ended grant says why (blocking); the table
is not empty (warning)."""

from __future__ import annotations

MODEL = "fct_access_grants"


def invariants(rules) -> list:
    import great_expectations as gx

    return [
        gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="valid_to",
            column_B="valid_from",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        ),
        # a grant in force has no end, an ended one has a reason
        gx.expectations.ExpectColumnPairValuesToBeEqual(
            column_A="has_end", column_B="has_end_reason"
        ),
    ]


def expectations(rules) -> list:
    import great_expectations as gx

    return [gx.expectations.ExpectTableRowCountToBeBetween(min_value=1)]


def prepare(frame, rules):
    """Derived columns the expectations read."""
    frame = frame.copy()
    frame["has_end"] = frame["valid_to"].notna()
    frame["has_end_reason"] = frame["end_reason"].notna()
    return frame
