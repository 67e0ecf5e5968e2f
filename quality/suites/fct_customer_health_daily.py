"""Daily customer health: the status and the score agree with the evidence and the rules
(blocking); most customer-days are not red (warning: a small company may be genuinely red)."""

from __future__ import annotations

MODEL = "fct_customer_health_daily"
INDICATORS = ("h1", "h2", "h3", "h4")


def invariants(rules) -> list:
    import great_expectations as gx

    return [
        gx.expectations.ExpectColumnValuesToBeBetween(
            column="health_score", min_value=0, max_value=100
        ),
        gx.expectations.ExpectColumnValuesToBeBetween(
            column="h4_on_time_rate", min_value=0, max_value=1
        ),
        # never more failing indicators than evaluated ones, nor more on time than delivered
        gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="evaluated_count", column_B="failing_count", or_equal=True
        ),
        gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="h4_delivered_count", column_B="h4_on_time_count", or_equal=True
        ),
        # failing_count counts the failing indicators; the status follows red_min_failing and
        # yellow_min_failing; the score is 100 × Σ weight·pass ÷ Σ weight of the evaluated ones
        gx.expectations.ExpectColumnPairValuesToBeEqual(
            column_A="failing_count", column_B="counted_failing"
        ),
        gx.expectations.ExpectColumnPairValuesToBeEqual(
            column_A="health_status", column_B="status_by_rules"
        ),
        gx.expectations.ExpectColumnValuesToBeBetween(
            column="score_gap", min_value=-0.05, max_value=0.05
        ),
    ]


def expectations(rules) -> list:
    import great_expectations as gx

    return [
        gx.expectations.ExpectTableRowCountToBeBetween(min_value=1),
        # many red customer-days more often mean broken inputs than broken customers
        gx.expectations.ExpectColumnValuesToBeInSet(
            column="health_status",
            value_set=["green", "yellow"],
            mostly=rules.expectation("min_not_red_share"),
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
