"""Cross-column rules of reverse validation (反向校验): the flag agrees with the counts."""

from __future__ import annotations

MODEL = "fct_reverse_validation_daily"


def expectations() -> list:
    import great_expectations as gx

    return [
        gx.expectations.ExpectTableRowCountToBeBetween(min_value=1),
        gx.expectations.ExpectColumnValuesToBeBetween(column="diff_ratio", min_value=0),
        # a day with no WeCom contact has no ratio and is flagged (it has a reported customer)
        gx.expectations.ExpectColumnValuesToBeNull(
            column="diff_ratio",
            row_condition="wecom_customer_count == 0",
            condition_parser="pandas",
        ),
        gx.expectations.ExpectColumnValuesToBeInSet(
            column="is_flagged",
            value_set=[True],
            row_condition="wecom_customer_count == 0",
            condition_parser="pandas",
        ),
    ]
