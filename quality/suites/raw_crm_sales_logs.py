"""Rules on the CRM sales-log extract: every template is in use and logs are not from the future."""

SOURCE = ("crm", "sales_logs")


def expectations() -> list:
    import great_expectations as gx

    return [
        gx.expectations.ExpectTableRowCountToBeBetween(min_value=1),
        # a scenario template that no one uses any more is a sign the CRM export changed
        gx.expectations.ExpectColumnDistinctValuesToContainSet(
            column="template",
            value_set=["first_visit", "solution_demo", "price_negotiation", "after_sales"],
        ),
        gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="_ingested_at", column_B="log_at", or_equal=True
        ),
    ]
