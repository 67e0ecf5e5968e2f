"""``make bench``: Lastmile's benchmark (``python -m tooling.bench``; see ``__main__``).

Modules: ``volume`` (synthetic sales logs and the daily increment, drawn from the sample's own
files; landed files backdated past ingestion's settle time), ``procmon`` (process-tree memory
from /proc), ``pipeline`` (run the pipeline in a dataset's home, phase times from the Dagster
instance, whether a run ingested what was landed), ``superset`` (drill-path chart-data latency,
board draw times in Chromium), ``rush`` (many simultaneous users), ``ingest`` (the ingestion phase
alone), ``report`` (the targets' one home, verdicts, Markdown and JSON), ``stats``, ``machine``.
"""
