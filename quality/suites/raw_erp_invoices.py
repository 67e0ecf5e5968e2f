"""The ERP invoice extract (warnings): due dates follow invoice dates within a plausible term."""

from quality import expect

SOURCE = ("erp", "invoices")


def expectations(rules) -> list:
    return [
        expect.not_empty(),
        expect.at_least("due_date", "invoice_date"),
        expect.between("payment_term_days", 0, rules.expectation("max_payment_term_days")),
    ]


def prepare(frame, rules):
    frame = frame.copy()
    frame["payment_term_days"] = (frame["due_date"] - frame["invoice_date"]).dt.days
    return frame
