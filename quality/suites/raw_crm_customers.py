"""The CRM customer extract (warnings): churn dates agree with the status."""

SOURCE = ("crm", "customers")


def expectations(rules) -> list:
    import great_expectations as gx
    from great_expectations.expectations.row_conditions import Column

    return [
        gx.expectations.ExpectTableRowCountToBeBetween(min_value=1),
        # a churned customer carries its churn date; an active one does not
        gx.expectations.ExpectColumnValuesToNotBeNull(
            column="churned_date", row_condition=Column("status") == "churned"
        ),
        gx.expectations.ExpectColumnValuesToBeNull(
            column="churned_date", row_condition=Column("status") == "active"
        ),
        # churn comes after the customer was created
        gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="churned_date",
            column_B="created_date",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        ),
    ]
