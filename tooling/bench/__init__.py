"""``make bench``: Lastmile's benchmark (``python -m tooling.bench``; see ``__main__``).

Modules: ``volume`` (synthetic sales logs and the daily increment), ``procmon`` (process-tree
memory from /proc), ``pipeline`` (run the pipeline in a dataset's home, phase times from the
Dagster instance), ``superset`` (drill-path chart-data latency, board draw times in Chromium),
``report`` (targets, verdicts, Markdown and JSON), ``stats``, ``machine``.
"""
