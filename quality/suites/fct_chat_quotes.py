"""Cross-column rules of quote events from chat (聊天报价): positive amounts, plausible delivery
periods, a matched quote has its opportunity and a candidate has its key."""

from __future__ import annotations

MODEL = "fct_chat_quotes"


def prepare(frame):
    frame = frame.copy()
    matched = frame["match_status"] == "matched"
    candidate = frame["match_status"] == "candidate"
    frame["status_agrees"] = (matched == frame["opportunity_id"].notna()) & (
        candidate == frame["candidate_opportunity_key"].notna()
    )
    return frame


def expectations() -> list:
    import great_expectations as gx

    return [
        gx.expectations.ExpectColumnValuesToBeBetween(column="amount_cny", min_value=0.01),
        gx.expectations.ExpectColumnValuesToBeBetween(
            column="delivery_days", min_value=1, max_value=730
        ),
        gx.expectations.ExpectColumnValuesToBeInSet(column="status_agrees", value_set=[True]),
        # most quotes belong to an opportunity the CRM already has
        gx.expectations.ExpectColumnValuesToNotBeNull(column="opportunity_id", mostly=0.5),
    ]
