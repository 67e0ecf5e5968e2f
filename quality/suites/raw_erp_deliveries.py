"""The ERP delivery extract (warnings): delivered rows carry an actual date, and deliveries are
rarely far from their promised date."""

from quality import expect

SOURCE = ("erp", "deliveries")


def expectations(rules) -> list:
    limit = rules.expectation("max_days_late")
    return [
        expect.not_empty(),
        expect.not_null("actual_date", row_condition=expect.row("status") == "delivered"),
        # a delivery far too late (or early) is an entry error, not a late delivery (H4 reads it)
        expect.between(
            "days_late", -limit, limit, mostly=rules.expectation("min_share_within_days_late")
        ),
    ]


def prepare(frame, rules):
    frame = frame.copy()
    frame["days_late"] = (frame["actual_date"] - frame["promised_date"]).dt.days
    return frame
