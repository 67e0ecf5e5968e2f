"""The ERP invoice extract (warnings): due dates follow invoice dates within a plausible term."""

SOURCE = ("erp", "invoices")


def expectations(rules) -> list:
    import great_expectations as gx

    return [
        gx.expectations.ExpectTableRowCountToBeBetween(min_value=1),
        gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="due_date", column_B="invoice_date", or_equal=True
        ),
        gx.expectations.ExpectColumnValuesToBeBetween(
            column="payment_term_days",
            min_value=0,
            max_value=rules.expectation("max_payment_term_days"),
        ),
    ]


def prepare(frame, rules):
    frame = frame.copy()
    frame["payment_term_days"] = (frame["due_date"] - frame["invoice_date"]).dt.days
    return frame
