"""The CRM opportunity extract (warnings): closing agrees with the stage."""

SOURCE = ("crm", "opportunities")


def expectations(rules) -> list:
    import great_expectations as gx

    closed = rules.closed_stage_codes()
    return [
        gx.expectations.ExpectTableRowCountToBeBetween(min_value=1),
        # opportunities in a closed stage (opportunity_stages: won, lost) carry their close time;
        # open ones do not
        gx.expectations.ExpectColumnValuesToNotBeNull(
            column="closed_at", row_condition=f"stage in {closed!r}", condition_parser="pandas"
        ),
        gx.expectations.ExpectColumnValuesToBeNull(
            column="closed_at", row_condition=f"stage not in {closed!r}", condition_parser="pandas"
        ),
        gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="closed_at",
            column_B="created_at",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        ),
    ]
