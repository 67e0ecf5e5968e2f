"""The ingestion phase of the benchmark, on its own (``--ingest-only``) or first in ``make bench``.

Two measurements, on a generated company (its reference tables loaded first):

- **a clean 1M-row CSV against Polars**: one file of synthetic sales logs (``volume.py``), read by
  ``pl.read_csv(path, infer_schema=False)`` and ingested by the engine (``ingest_table``: hash,
  line scan, parse, type, duplicates, references, write to DuckDB, audit), each ``repeats`` times
  in this process, on a fresh copy of the reference warehouse every time; the ratio of the
  medians says what the engine adds to the parser. Beside it, the *floor*: the same
  ``pl.read_csv`` frame, untyped and unchecked, inserted into a DuckDB table of text columns and
  committed — what any ingestion that writes the file's rows into the warehouse pays at least;
- **10M sales logs**: the company's landing folder topped up with synthetic sales logs to
  ``sales_logs`` rows, ingested whole by ``python -m pipelines.ingest`` (every table, as a run's
  ingestion steps do, without Dagster or dbt) into a fresh build file, with the process's wall
  time and peak resident memory (``procmon``).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from pipelines.config import CONTRACT_PATH, REPO_ROOT
from tooling.bench import volume as V
from tooling.bench.procmon import MB, run_watched

CLEAN_FILE = "crm/sales_logs_clean.csv"
REFERENCE_TABLES = ("crm.regions", "crm.squads", "crm.reps", "crm.customers", "crm.contacts",
                    "crm.opportunities")  # fmt: skip


def _python() -> str:
    return sys.executable


def generate_company(landing: Path, scale: float, start: date, end: date, seed: int) -> None:
    cmd = [_python(), "-m", "pipelines.sample", "--seed", str(seed), "--scale", f"{scale:g}",
           "--start", str(start), "--end", str(end), "--out", str(landing)]  # fmt: skip
    done = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"the sample generator failed: {done.stderr[-2000:]}")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LASTMILE_", "DAGSTER_"))}
    env.update(LASTMILE_SETTLE_SECONDS="0", PYTHONUNBUFFERED="1", **extra)
    return env


def _ingest_process(landing: Path, build_db: Path, log: Path, tables=(), **watch) -> Any:
    cmd = [_python(), "-m", "pipelines.ingest", "--landing", str(landing), "--build-db",
           str(build_db)] + [a for t in tables for a in ("--table", t)]  # fmt: skip
    return run_watched(cmd, env=_env(LASTMILE_HOME=str(build_db.parent)), cwd=REPO_ROOT,
                       log_path=log, **watch)  # fmt: skip


def clean_csv_ratio(
    workdir: Path, company: Path, rows: int, start: date, end: date, seed: int, repeats: int
) -> dict[str, Any]:
    """Ingestion of one clean ``rows``-row CSV against ``pl.read_csv`` of it."""
    from pipelines.ingest.contract import load_contract
    from pipelines.ingest.engine import ingest_table

    reference_db = workdir / "reference.duckdb"
    done = _ingest_process(company, reference_db, workdir / "reference.log", REFERENCE_TABLES)
    if done.returncode != 0:
        raise RuntimeError(f"loading the reference tables failed: see {done.log_path}")
    landing = workdir / "clean-landing"
    frame = pl.concat(
        part
        for _, part in V.synth_sales_logs(
            V.load_sales_log_pool(company), rows, start, end, seed, "SLC"
        )  # fmt: skip
    )
    V.write_csv_like_crm(frame, landing / CLEAN_FILE)
    path = landing / CLEAN_FILE
    del frame
    contract = load_contract(CONTRACT_PATH)
    table = contract.table("crm", "sales_logs")
    polars_s, insert_s, ingest_s, loaded = [], [], [], 0
    os.environ["LASTMILE_SETTLE_SECONDS"] = "0"
    for attempt in range(repeats):
        started = time.perf_counter()
        parsed = pl.read_csv(path, infer_schema=False)
        polars_s.append(time.perf_counter() - started)
        assert parsed.height == rows
        db = workdir / f"clean-{attempt}.duckdb"
        shutil.copy(reference_db, db)
        insert_s.append(_insert_untyped(db, parsed))
        del parsed
        with duckdb.connect(str(db)) as conn:
            started = time.perf_counter()
            result = ingest_table(conn, contract, table, landing)
            ingest_s.append(time.perf_counter() - started)
        db.unlink()
        [audit] = result.files
        loaded = audit.rows_loaded
        if audit.status != "loaded" or audit.rows_read != rows:
            raise RuntimeError(f"the clean file did not load whole: {audit}")
    read_s, ingested_s = statistics.median(polars_s), statistics.median(ingest_s)
    return {
        "rows": rows,
        "file_mb": path.stat().st_size / MB,
        "read_csv_s": polars_s,
        "ingest_s": ingest_s,
        "read_csv_median_s": read_s,
        "ingest_median_s": ingested_s,
        "ratio": ingested_s / read_s,
        "insert_untyped_s": insert_s,
        "floor_ratio": (read_s + statistics.median(insert_s)) / read_s,
        "rows_loaded": loaded,
        "ingest_rows_per_s": rows / ingested_s,
    }


def _insert_untyped(db: Path, frame: pl.DataFrame) -> float:
    """Seconds to insert ``frame`` as it is (every column text) into a new table of ``db`` and
    commit; the table is dropped again."""
    columns = ", ".join(f'"{name}" varchar' for name in frame.columns)
    with duckdb.connect(str(db)) as conn:
        conn.execute(f"create table bench_floor ({columns})")
        started = time.perf_counter()
        conn.execute("begin transaction")
        conn.register("bench_rows", frame.to_arrow(compat_level=pl.CompatLevel.newest()))
        conn.execute("insert into bench_floor by name select * from bench_rows")
        conn.execute("commit")
        seconds = time.perf_counter() - started
        conn.unregister("bench_rows")
        conn.execute("drop table bench_floor")
    return seconds


def sales_logs_ingestion(
    workdir: Path,
    company: Path,
    sales_logs: int,
    start: date,
    end: date,
    seed: int,
    timeout_s: float | None,
    mem_limit_bytes: int | None,
) -> dict[str, Any]:
    """The whole ingestion phase of a company topped up to ``sales_logs`` sales logs."""
    have = sum(
        1 for path in company.glob(V.SALES_LOG_GLOB) for _ in path.open(encoding="utf-8-sig")
    ) - len(list(company.glob(V.SALES_LOG_GLOB)))
    written = V.write_bulk_sales_logs(company, max(0, sales_logs - have), start, end, seed)
    files = [p for p in company.rglob("*") if p.is_file() and not p.name.startswith("_")]
    build_db = workdir / "sales" / "build.duckdb"
    build_db.parent.mkdir(parents=True, exist_ok=True)
    watched = _ingest_process(company, build_db, workdir / "sales-ingest.log",
                              timeout_s=timeout_s, mem_limit_bytes=mem_limit_bytes)  # fmt: skip
    out: dict[str, Any] = {
        "sales_logs": have + written.rows,
        "landing_files": len(files),
        "landing_mb": sum(p.stat().st_size for p in files) / MB,
        "ok": watched.returncode == 0 and not watched.aborted,
        "aborted": watched.aborted,
        "wall_s": watched.wall_s,
        "peak_rss_mb": watched.peak_rss_mb,
        "log": str(watched.log_path),
    }
    if build_db.exists() and out["ok"]:
        with duckdb.connect(str(build_db), read_only=True) as conn:
            read, loaded, rejected = conn.execute(
                "select sum(rows_read), sum(rows_loaded), count(*) filter (where status = "
                "'rejected') from ingest.file_audit"
            ).fetchall()[0]
            logs = conn.execute("select count(*) from raw_crm.sales_logs").fetchall()[0][0]
        out.update(rows_read=read, rows_loaded=loaded, rejected_files=rejected,
                   sales_logs_loaded=logs, rows_per_s=read / watched.wall_s)  # fmt: skip
    return out


def measure(
    workdir: Path,
    start: date,
    end: date,
    scale: float,
    seed: int,
    clean_rows: int,
    sales_logs: int,
    repeats: int,
    timeout_s: float | None,
    mem_limit_bytes: int | None,
    log=print,
) -> dict[str, Any]:
    """Both measurements; a failure of one is reported, not raised."""
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    company = workdir / "landing"
    log(f"ingestion: generating a company at scale {scale:g} …")
    generate_company(company, scale, start, end, seed)
    out: dict[str, Any] = {"company_scale": scale, "workdir": str(workdir)}
    log(f"ingestion: a clean {clean_rows:,}-row CSV against pl.read_csv ({repeats} times) …")
    try:
        out["clean_csv"] = clean_csv_ratio(workdir, company, clean_rows, start, end, seed, repeats)
        log(f"ingestion: ratio {out['clean_csv']['ratio']:.2f}×")
    except Exception as exc:  # reported, not fatal
        out["clean_csv"] = {"error": f"{type(exc).__name__}: {exc}"}
    log(f"ingestion: {sales_logs:,} sales logs through python -m pipelines.ingest …")
    try:
        out["sales_logs"] = sales_logs_ingestion(
            workdir, company, sales_logs, start, end, seed, timeout_s, mem_limit_bytes
        )
        log(
            f"ingestion: {out['sales_logs']['wall_s']:.1f} s, peak "
            f"{out['sales_logs']['peak_rss_mb']:,.0f} MB"
        )
    except Exception as exc:
        out["sales_logs"] = {"error": f"{type(exc).__name__}: {exc}"}
    return out
