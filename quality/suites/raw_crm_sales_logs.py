"""The CRM sales-log extract (warnings): every template the rules know is in use, and logs are
not from the future of their load."""

from quality import expect

SOURCE = ("crm", "sales_logs")


def expectations(rules) -> list:
    return [
        expect.not_empty(),
        # a scenario template that no one uses any more is a sign the CRM export changed
        expect.contains_all("template", rules.template_codes()),
        expect.at_least("_ingested_at", "log_at"),
    ]
