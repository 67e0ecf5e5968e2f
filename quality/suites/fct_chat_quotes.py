"""Quote events from chat (聊天报价): positive amounts and periods, a matched quote has its
opportunity and a candidate its key (blocking); plausible delivery periods, most quotes match an
opportunity the CRM has (warnings)."""

from __future__ import annotations

from quality import expect

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
    return [
        expect.between("amount_cny", min_value=0, strict_min=True),
        expect.between("delivery_days", min_value=1),
        expect.holds("status_agrees"),
    ]


def expectations(rules) -> list:
    return [
        expect.between("delivery_days", max_value=rules.expectation("max_quote_delivery_days")),
        expect.not_null("opportunity_id", mostly=rules.expectation("min_matched_quote_share")),
    ]
