"""The three validation metrics: rates within their ranges, untouched leads never dropped, the
audit sample a subset of the population and at most compliance_sample_size (blocking); the table
is not empty (warning)."""

from __future__ import annotations

from quality import expect

MODEL = "fct_sales_validation_metrics"


def invariants(rules) -> list:
    return [
        expect.share("process_compliance_rate"),
        expect.share("sample_process_compliance_rate"),
        expect.share("share_within_target"),
        expect.between("median_response_minutes", min_value=0),
        expect.between("knowledge_reuse_rate", min_value=0),
        # untouched leads are counted, never dropped: they cannot outnumber the leads
        expect.at_least("lead_count", "untouched_lead_count"),
        # the audit sample is a subset of the population, of at most the configured size
        expect.at_least("active_opportunity_count", "sample_opportunity_count"),
        expect.between("sample_opportunity_count", 0, rules.parameter("compliance_sample_size")),
    ]


def expectations(rules) -> list:
    return [expect.not_empty()]
