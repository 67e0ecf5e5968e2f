"""Rules on the ERP delivery extract: delivered rows carry an actual date, open ones do not."""

SOURCE = ("erp", "deliveries")


def expectations() -> list:
    import great_expectations as gx

    return [
        gx.expectations.ExpectTableRowCountToBeBetween(min_value=1),
        gx.expectations.ExpectColumnValuesToNotBeNull(
            column="actual_date", row_condition='status=="delivered"', condition_parser="pandas"
        ),
        # a delivery more than a year late is an entry error, not a late delivery (H4 reads these)
        gx.expectations.ExpectColumnValuesToBeBetween(
            column="days_late", min_value=-365, max_value=365, mostly=0.999
        ),
    ]


def prepare(frame):
    frame = frame.copy()
    frame["days_late"] = (frame["actual_date"] - frame["promised_date"]).dt.days
    return frame
