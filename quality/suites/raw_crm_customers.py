"""The CRM customer extract (warnings): churn dates agree with the status."""

from quality import expect

SOURCE = ("crm", "customers")


def expectations(rules) -> list:
    status = expect.row("status")
    return [
        expect.not_empty(),
        # a churned customer carries its churn date; an active one does not
        expect.not_null("churned_date", row_condition=status == "churned"),
        expect.null("churned_date", row_condition=status == "active"),
        # churn comes after the customer was created
        expect.at_least("churned_date", "created_date", ignore_row_if="either_value_is_missing"),
    ]
