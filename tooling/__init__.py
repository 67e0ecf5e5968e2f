"""Tooling around the product, not part of it: the benchmarks (``python -m tooling.bench``,
``make bench``) and the driver of a real Dagster daemon (``tooling.daemon``) that the sensor tests
and the landing-latency bench use. Nothing under ``pipelines/`` imports it."""
