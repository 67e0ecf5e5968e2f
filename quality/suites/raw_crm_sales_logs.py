"""The CRM sales-log extract (warnings): every template the rules know is in use, and logs are
not from the future of their load."""

SOURCE = ("crm", "sales_logs")


def expectations(rules) -> list:
    import great_expectations as gx

    return [
        gx.expectations.ExpectTableRowCountToBeBetween(min_value=1),
        # a scenario template that no one uses any more is a sign the CRM export changed
        gx.expectations.ExpectColumnDistinctValuesToContainSet(
            column="template", value_set=rules.template_codes()
        ),
        gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="_ingested_at", column_B="log_at", or_equal=True
        ),
    ]
