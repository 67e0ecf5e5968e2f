"""Daily customer health: the status and the score agree with the evidence and the rules
(blocking); most customer-days are not red (warning: a small company may be genuinely red)."""

from __future__ import annotations

from quality import expect

MODEL = "fct_customer_health_daily"
INDICATORS = ("h1", "h2", "h3", "h4")


def invariants(rules) -> list:
    return [
        expect.between("health_score", 0, 100),
        expect.share("h4_on_time_rate"),
        # never more failing indicators than evaluated ones, nor more on time than delivered
        expect.at_least("evaluated_count", "failing_count"),
        expect.at_least("h4_delivered_count", "h4_on_time_count"),
        # failing_count counts the failing indicators; the status follows red_min_failing and
        # yellow_min_failing; the score is 100 × Σ weight·pass ÷ Σ weight of the evaluated ones
        expect.equal("failing_count", "counted_failing"),
        expect.equal("health_status", "status_by_rules"),
        expect.between("score_gap", -0.05, 0.05),
    ]


def expectations(rules) -> list:
    return [
        expect.not_empty(),
        # many red customer-days more often mean broken inputs than broken customers
        expect.in_set(
            "health_status", ["green", "yellow"], mostly=rules.expectation("min_not_red_share")
        ),
    ]


def prepare(frame, rules):
    """Derived columns the expectations read: what the rules say from the row's evidence."""
    frame = frame.copy()
    weights = rules.indicator_weights()
    # a null H4 is not applicable (no delivery): neither passing nor failing
    passing = {i: frame[f"{i}_is_passing"].astype("boolean") for i in INDICATORS}
    failing = sum((~passing[i].fillna(True)).astype(int) for i in INDICATORS)
    frame["counted_failing"] = failing
    red, yellow = rules.parameter("red_min_failing"), rules.parameter("yellow_min_failing")
    frame["status_by_rules"] = "green"
    frame.loc[failing >= yellow, "status_by_rules"] = "yellow"
    frame.loc[failing >= red, "status_by_rules"] = "red"
    earned = sum(passing[i].fillna(False).astype(float) * weights[i.upper()] for i in INDICATORS)
    possible = sum(passing[i].notna().astype(float) * weights[i.upper()] for i in INDICATORS)
    frame["score_gap"] = frame["health_score"].astype(float) - 100.0 * earned / possible
    return frame
