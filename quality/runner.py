"""Run a suite on a dataframe with an ephemeral GX context (GX has no DuckDB engine of its own).

``great_expectations`` is imported inside the function: it costs seconds and hundreds of MB, and
only the checks need it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Outcome:
    expectation: str
    column: str | None
    success: bool
    observed: Any


@dataclass(frozen=True)
class SuiteResult:
    suite: str
    success: bool
    outcomes: list[Outcome]

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.success]

    def summary(self) -> str:
        passed = len(self.outcomes) - len(self.failures)
        lines = [f"{self.suite}: {passed}/{len(self.outcomes)} expectations passed"]
        lines += [
            f"  FAILED {o.expectation}({o.column or ''}): observed {o.observed}"
            for o in self.failures
        ]
        return "\n".join(lines)


def validate(frame: Any, suite_name: str, expectations: list[Any]) -> SuiteResult:
    """Validate a pandas DataFrame against ``expectations`` (gx.expectations.* objects)."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas(name="lastmile")
    asset = source.add_dataframe_asset(name=suite_name)
    batch_definition = asset.add_batch_definition_whole_dataframe(name="whole")
    suite = context.suites.add(gx.ExpectationSuite(name=suite_name, expectations=expectations))
    batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(suite)
    outcomes = [
        Outcome(
            expectation=r.expectation_config.type,
            column=r.expectation_config.kwargs.get("column"),
            success=bool(r.success),
            observed=r.result.get("observed_value", r.result.get("unexpected_count")),
        )
        for r in result.results
    ]
    return SuiteResult(suite=suite_name, success=bool(result.success), outcomes=outcomes)
