"""The three validation metrics: rates within their ranges, untouched leads never dropped, the
audit sample a subset of the population and at most compliance_sample_size (blocking); the table
is not empty (warning)."""

from __future__ import annotations

MODEL = "fct_sales_validation_metrics"


def invariants(rules) -> list:
    import great_expectations as gx

    return [
        gx.expectations.ExpectColumnValuesToBeBetween(
            column="process_compliance_rate", min_value=0, max_value=1
        ),
        gx.expectations.ExpectColumnValuesToBeBetween(
            column="sample_process_compliance_rate", min_value=0, max_value=1
        ),
        gx.expectations.ExpectColumnValuesToBeBetween(
            column="share_within_target", min_value=0, max_value=1
        ),
        gx.expectations.ExpectColumnValuesToBeBetween(
            column="median_response_minutes", min_value=0
        ),
        gx.expectations.ExpectColumnValuesToBeBetween(column="knowledge_reuse_rate", min_value=0),
        # untouched leads are counted, never dropped: they cannot outnumber the leads
        gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="lead_count", column_B="untouched_lead_count", or_equal=True
        ),
        # the audit sample is a subset of the population, of at most the configured size
        gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="active_opportunity_count", column_B="sample_opportunity_count", or_equal=True
        ),
        gx.expectations.ExpectColumnValuesToBeBetween(
            column="sample_opportunity_count",
            min_value=0,
            max_value=rules.parameter("compliance_sample_size"),
        ),
    ]


def expectations(rules) -> list:
    import great_expectations as gx

    return [gx.expectations.ExpectTableRowCountToBeBetween(min_value=1)]
