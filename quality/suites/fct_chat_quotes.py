"""Quote events from chat (聊天报价): positive amounts and periods, a matched quote has its
opportunity and a candidate its key (blocking); plausible delivery periods, most quotes match an
opportunity the CRM has (warnings)."""

from __future__ import annotations

MODEL = "fct_chat_quotes"


def prepare(frame, rules):
    frame = frame.copy()
    matched = frame["match_status"] == "matched"
    candidate = frame["match_status"] == "candidate"
    frame["status_agrees"] = (matched == frame["opportunity_id"].notna()) & (
        candidate == frame["candidate_opportunity_key"].notna()
    )
    return frame


def invariants(rules) -> list:
    import great_expectations as gx

    return [
        gx.expectations.ExpectColumnValuesToBeBetween(
            column="amount_cny", min_value=0, strict_min=True
        ),
        gx.expectations.ExpectColumnValuesToBeBetween(column="delivery_days", min_value=1),
        gx.expectations.ExpectColumnValuesToBeInSet(column="status_agrees", value_set=[True]),
    ]


def expectations(rules) -> list:
    import great_expectations as gx

    return [
        gx.expectations.ExpectColumnValuesToBeBetween(
            column="delivery_days", max_value=rules.expectation("max_quote_delivery_days")
        ),
        gx.expectations.ExpectColumnValuesToNotBeNull(
            column="opportunity_id", mostly=rules.expectation("min_matched_quote_share")
        ),
    ]
