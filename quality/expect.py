"""The expectations the suites are written in, by what they say: a suite reads as its rules.

Each function returns one Great Expectations 1.x expectation. GX is imported when an expectation is
built, never at import (it costs seconds and hundreds of MB, and only the checks need it).
Options GX takes (``mostly``, ``row_condition``, ``strict_min``, ``ignore_row_if``) pass through.
"""

from __future__ import annotations

from typing import Any


def _gx() -> Any:
    import great_expectations as gx

    return gx.expectations


def not_empty() -> Any:
    """The table has at least one row."""
    return _gx().ExpectTableRowCountToBeBetween(min_value=1)


def between(column: str, min_value: Any = None, max_value: Any = None, **options: Any) -> Any:
    """Every value of ``column`` within [min_value, max_value]; a missing bound is open."""
    return _gx().ExpectColumnValuesToBeBetween(
        column=column, min_value=min_value, max_value=max_value, **options
    )


def share(column: str, **options: Any) -> Any:
    """A rate or share: every value within [0, 1]."""
    return between(column, 0, 1, **options)


def at_least(column_a: str, column_b: str, **options: Any) -> Any:
    """``column_a`` ≥ ``column_b`` on every row (``or_equal=False``: strictly greater)."""
    options.setdefault("or_equal", True)
    return _gx().ExpectColumnPairValuesAToBeGreaterThanB(
        column_A=column_a, column_B=column_b, **options
    )


def equal(column_a: str, column_b: str) -> Any:
    """The two columns agree on every row (a stored value and what the rules say it should be)."""
    return _gx().ExpectColumnPairValuesToBeEqual(column_A=column_a, column_B=column_b)


def holds(column: str) -> Any:
    """A derived boolean column (what ``prepare`` computed) is true on every row."""
    return in_set(column, [True])


def in_set(column: str, values: Any, **options: Any) -> Any:
    return _gx().ExpectColumnValuesToBeInSet(column=column, value_set=values, **options)


def not_null(column: str, **options: Any) -> Any:
    return _gx().ExpectColumnValuesToNotBeNull(column=column, **options)


def null(column: str, **options: Any) -> Any:
    return _gx().ExpectColumnValuesToBeNull(column=column, **options)


def unique(column: str) -> Any:
    return _gx().ExpectColumnValuesToBeUnique(column=column)


def not_matching(column: str, regex: str) -> Any:
    """No value of ``column`` matches ``regex`` (e.g. a phone number shown in clear)."""
    return _gx().ExpectColumnValuesToNotMatchRegex(column=column, regex=regex)


def contains_all(column: str, values: Any) -> Any:
    """Every one of ``values`` occurs in ``column`` at least once."""
    return _gx().ExpectColumnDistinctValuesToContainSet(column=column, value_set=values)


def row(column: str) -> Any:
    """A row condition on ``column`` (``row("status") == "churned"``) for ``row_condition=``."""
    from great_expectations.expectations.row_conditions import Column

    return Column(column)
