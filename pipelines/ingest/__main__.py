"""Ingest the landing folder into the build DuckDB file without Dagster or dbt.

    python -m pipelines.ingest [--landing DIR] [--build-db FILE] [--table SOURCE.TABLE ...]

What the ingestion assets of a run do, in one process: every contract table in reference order,
then the landing inventory. Prints one line per table and every rejected, skipped or warned file;
exits 0 even when files are rejected (as a run does). ``make bench`` times it (the ingestion
phase); an operator can use it to check a folder of extracts before a run.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from pipelines.config import CONTRACT_PATH, load_settings
from pipelines.engines import connect_file
from pipelines.ingest.contract import load_contract
from pipelines.ingest.discovery import scan_landing
from pipelines.ingest.engine import ingest_table, record_inventory


def main(argv: list[str] | None = None) -> int:
    settings = load_settings()
    parser = argparse.ArgumentParser(prog="python -m pipelines.ingest", description=__doc__)
    parser.add_argument("--landing", type=Path, default=settings.landing_dir)
    parser.add_argument("--build-db", type=Path, default=settings.build_db)
    parser.add_argument("--table", action="append", default=[], help="only this table (repeatable)")
    args = parser.parse_args(argv)
    contract = load_contract(CONTRACT_PATH)
    wanted = set(args.table)
    tables = [
        t for t in contract.ordered_tables() if not wanted or f"{t.source}.{t.name}" in wanted
    ]
    started = time.perf_counter()
    inventory = scan_landing(args.landing, contract.landing)
    problems: list[str] = []
    rows = 0
    with connect_file(args.build_db) as conn:
        for table in tables:
            begun = time.perf_counter()
            result = ingest_table(conn, contract, table, args.landing, inventory)
            read = sum(f.rows_read for f in result.files if f.status == "loaded")
            rows += read
            print(
                f"{table.source}.{table.name:<28} {len(result.files):>4} files {read:>10,} rows "
                f"read, {result.total('rows_loaded'):>10,} loaded, "
                f"{result.total('rows_quarantined'):>8,} quarantined "
                f"({time.perf_counter() - begun:.1f} s)",
                flush=True,
            )
            problems += [f"rejected {f.describe_error()}" for f in result.rejected]
            problems += [f"warning {f.path}: {'; '.join(f.warnings)}" for f in result.warned]
        if not wanted:
            problems += [
                f"{item.status} {item.describe_error()}"
                for item in record_inventory(conn, contract, inventory)
            ]
    for line in problems:
        print(line)
    print(f"ingested {rows:,} rows in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
