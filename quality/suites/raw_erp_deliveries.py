"""The ERP delivery extract (warnings): delivered rows carry an actual date, and deliveries are
rarely far from their promised date."""

SOURCE = ("erp", "deliveries")


def expectations(rules) -> list:
    import great_expectations as gx
    from great_expectations.expectations.row_conditions import Column

    limit = rules.expectation("max_days_late")
    return [
        gx.expectations.ExpectTableRowCountToBeBetween(min_value=1),
        gx.expectations.ExpectColumnValuesToNotBeNull(
            column="actual_date", row_condition=Column("status") == "delivered"
        ),
        # a delivery far too late (or early) is an entry error, not a late delivery (H4 reads it)
        gx.expectations.ExpectColumnValuesToBeBetween(
            column="days_late",
            min_value=-limit,
            max_value=limit,
            mostly=rules.expectation("min_share_within_days_late"),
        ),
    ]


def prepare(frame, rules):
    frame = frame.copy()
    frame["days_late"] = (frame["actual_date"] - frame["promised_date"]).dt.days
    return frame
