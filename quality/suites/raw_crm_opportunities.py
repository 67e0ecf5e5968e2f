"""The CRM opportunity extract (warnings): closing agrees with the stage."""

SOURCE = ("crm", "opportunities")


def expectations(rules) -> list:
    import great_expectations as gx
    from great_expectations.expectations.row_conditions import Column

    closed = list(rules.closed_stage_codes())
    return [
        gx.expectations.ExpectTableRowCountToBeBetween(min_value=1),
        # opportunities in a closed stage (opportunity_stages: won, lost) carry their close time;
        # open ones do not
        gx.expectations.ExpectColumnValuesToNotBeNull(
            column="closed_at", row_condition=Column("stage").is_in(closed)
        ),
        gx.expectations.ExpectColumnValuesToBeNull(
            column="closed_at", row_condition=Column("stage").is_not_in(closed)
        ),
        gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="closed_at",
            column_B="created_at",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        ),
    ]
