"""Cross-column rules on the CRM opportunity extract: closing agrees with the stage."""

SOURCE = ("crm", "opportunities")


def expectations() -> list:
    import great_expectations as gx

    return [
        gx.expectations.ExpectTableRowCountToBeBetween(min_value=1),
        # won and lost opportunities are closed; open ones are not
        gx.expectations.ExpectColumnValuesToNotBeNull(
            column="closed_at",
            row_condition='stage=="won" or stage=="lost"',
            condition_parser="pandas",
        ),
        gx.expectations.ExpectColumnValuesToBeNull(
            column="closed_at",
            row_condition='stage!="won" and stage!="lost"',
            condition_parser="pandas",
        ),
        gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="closed_at",
            column_B="created_at",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        ),
    ]
