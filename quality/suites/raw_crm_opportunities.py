"""The CRM opportunity extract (warnings): closing agrees with the stage."""

from quality import expect

SOURCE = ("crm", "opportunities")


def expectations(rules) -> list:
    closed = list(rules.closed_stage_codes())
    stage = expect.row("stage")
    return [
        expect.not_empty(),
        # opportunities in a closed stage (opportunity_stages: won, lost) carry their close time;
        # open ones do not
        expect.not_null("closed_at", row_condition=stage.is_in(closed)),
        expect.null("closed_at", row_condition=stage.is_not_in(closed)),
        expect.at_least("closed_at", "created_at", ignore_row_if="either_value_is_missing"),
    ]
