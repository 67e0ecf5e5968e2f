"""The drill path's communications (穿透③) never show a phone number or a WeCom id in clear, and
keep at most drill_last_communications per opportunity (blocking)."""

from __future__ import annotations

MODEL = "fct_drill_communications"


def invariants(rules) -> list:
    import great_expectations as gx

    return [
        gx.expectations.ExpectColumnValuesToNotMatchRegex(
            column="communication_text", regex=r"1[3-9]\d{9}"
        ),
        gx.expectations.ExpectColumnValuesToNotMatchRegex(
            column="communication_text", regex=r"w[mo][0-9A-Za-z_-]{14,}"
        ),
        gx.expectations.ExpectColumnValuesToBeBetween(
            column="communication_rank",
            min_value=1,
            max_value=rules.parameter("drill_last_communications"),
        ),
    ]
