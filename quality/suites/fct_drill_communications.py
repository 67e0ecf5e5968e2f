"""The drill path's communications (穿透③) never show a phone number or a WeCom id in clear, and
keep at most drill_last_communications per opportunity (blocking)."""

from __future__ import annotations

from quality import expect

MODEL = "fct_drill_communications"


def invariants(rules) -> list:
    return [
        expect.not_matching("communication_text", r"1[3-9]\d{9}"),
        expect.not_matching("communication_text", r"w[mo][0-9A-Za-z_-]{14,}"),
        expect.between("communication_rank", 1, rules.parameter("drill_last_communications")),
    ]
