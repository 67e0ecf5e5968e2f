"""One module per checked asset. A module names what it checks — ``MODEL`` (a dbt model) or
``SOURCE`` (a ``(source, table)`` ingestion asset) — and returns GX expectations in two lists:

- ``invariants(rules)``: what holds by construction (keys, ids, ranges, conservation, the status
  agreeing with the rules); a failure blocks publishing (marts only);
- ``expectations(rules)``: the data's expected shape (shares, distributions, plausible ranges); a
  failure is a warning and the marts are still published.

``rules`` is :class:`pipelines.rules.Rules`: every threshold comes from the rule seeds (business
rules from rule_parameters and the other rule seeds, shape thresholds from quality_expectations),
never a literal here. An optional ``prepare(frame, rules)`` adds derived columns first. Suites
are written with :mod:`quality.expect` (``expect.share("collection_rate")``,
``expect.at_least("due", "collected")``), which builds the GX objects.
"""
