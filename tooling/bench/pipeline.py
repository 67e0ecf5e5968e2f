"""Run the pipeline on a benchmark dataset and read back where the time went.

Each dataset lives in its own ``LASTMILE_HOME``: landing, build and served DuckDB files, and a
Dagster instance written from ``pipelines/dagster.yaml`` by ``pipelines.instance`` (SQLite). The
pipeline runs exactly as an operator runs it, ``python -m pipelines.run [--full-refresh]``, as a
subprocess whose process tree's memory is sampled (``procmon``). Afterwards the run's step events
are read from that instance and summed per phase, and the rows ingestion read come from
``ingest.file_audit`` in the build file; the same audit tells whether a run really ingested the
files the bench landed for it (``check_landed``).
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pipelines.config import CONTRACT_PATH, DBT_PROJECT_DIR, PARTIAL_PARSE, REPO_ROOT
from tooling.bench.procmon import MB, Watched, run_watched

PYTHON = Path(sys.executable)
BENCH_PII_KEY = "lastmile-bench-only-pii-key"
PHASES = ("ingestion", "extract", "dbt", "checks", "publish", "outbox", "other steps")
DBT_STEP = "lastmile_dbt"
PUBLISH_STEP = "serving__lastmile_duckdb"
FULL_REBUILD_MESSAGE = "full rebuild of the incremental facts"


@dataclass(frozen=True)
class Home:
    """One dataset's LASTMILE_HOME and the paths the pipeline reads from the environment, built
    on ``engine`` (``LASTMILE_ENGINE``)."""

    root: Path
    engine: str = "duckdb"

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    @property
    def build_db(self) -> Path:
        return self.root / "warehouse" / "build.duckdb"

    @property
    def serve_db(self) -> Path:
        return self.root / "warehouse" / "lastmile.duckdb"

    @property
    def dagster_home(self) -> Path:
        return self.root / "dagster"

    @property
    def logs(self) -> Path:
        return self.root / "bench-logs"

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """The environment of a pipeline process for this home: the caller's, minus every
        Lastmile, Dagster and Superset setting that could point elsewhere (a Postgres instance,
        the demo's files), plus this home's paths."""
        env = {
            name: value
            for name, value in (os.environ if base is None else base).items()
            if not name.startswith(("LASTMILE_", "DAGSTER_", "SUPERSET_"))
        }
        env.update(
            LASTMILE_HOME=str(self.root),
            LASTMILE_LANDING_DIR=str(self.landing),
            LASTMILE_BUILD_DB=str(self.build_db),
            LASTMILE_SERVE_DB=str(self.serve_db),
            LASTMILE_DBT_TARGET=(base or os.environ).get("LASTMILE_DBT_TARGET", "dev"),
            LASTMILE_PII_KEY=BENCH_PII_KEY,
            LASTMILE_ENGINE=self.engine,
            DAGSTER_HOME=str(self.dagster_home),
            PYTHONUNBUFFERED="1",
        )
        return env

    def create(self) -> None:
        """A fresh home: anything left from an earlier bench is removed; the Dagster instance
        gets ``pipelines/dagster.yaml`` as ``make setup`` writes it (SQLite storage: the home's
        environment has no ``LASTMILE_DAGSTER_PG_URL``)."""
        from pipelines import instance

        if self.root.exists():
            shutil.rmtree(self.root)
        self.logs.mkdir(parents=True)
        instance.write(self.dagster_home, self.env())


def dbt_parse(env: dict[str, str]) -> Path:
    """``dbt parse`` (as ``make parse``) in ``env``: Dagster loads the dbt assets from the
    manifest it writes. Safe beside other parses and readers (the test suite's parallel workers
    share ``dbt_project/target``): one parse at a time (a lock file), into a private target
    folder seeded with the last partial-parse file, whose partial-parse file and manifest are
    then moved into ``target/`` whole, so a reader never meets a half-written manifest."""
    import fcntl
    import subprocess
    import tempfile

    target = DBT_PROJECT_DIR / "target"
    target.mkdir(exist_ok=True)
    with (target / ".parse.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        scratch = Path(tempfile.mkdtemp(prefix="parse-", dir=target))
        try:
            if (target / PARTIAL_PARSE).exists():
                shutil.copy2(target / PARTIAL_PARSE, scratch / PARTIAL_PARSE)
            done = subprocess.run(
                [str(PYTHON.parent / "dbt"), "parse", "--profiles-dir", ".", "--quiet"]
                + ["--target-path", str(scratch)],
                cwd=DBT_PROJECT_DIR,
                env=env,
                capture_output=True,
                text=True,
            )
            if done.returncode != 0:
                raise RuntimeError(
                    f"dbt parse failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
                )
            for name in (PARTIAL_PARSE, "manifest.json"):  # the manifest last
                if (scratch / name).exists():
                    os.replace(scratch / name, target / name)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return target / "manifest.json"


# --- where the time went ------------------------------------------------------------------------


def ingest_step_keys(contract_path: Path = CONTRACT_PATH) -> set[str]:
    """Step keys of the ingestion assets: one per contract table, plus the landing inventory."""
    from pipelines.ingest.contract import load_contract

    contract = load_contract(contract_path)
    return {f"{t.source}__{t.name}" for t in contract.tables} | {"ingest__landing_inventory"}


def phase_of(step_key: str, ingest_keys: set[str]) -> str:
    """The benchmark phase a Dagster step belongs to."""
    if step_key == DBT_STEP:
        return "dbt"
    if step_key == PUBLISH_STEP:
        return "publish"
    if "_gx_" in step_key or step_key.startswith("freshness_check"):
        return "checks"  # GX asset checks (raw and marts) and the served file's freshness
    if step_key in ingest_keys:
        return "ingestion"
    if step_key.startswith("extract__"):
        return "extract"
    if step_key.startswith(("ops__", "outbox")):
        return "outbox"
    return "other steps"


def phase_seconds(steps: dict[str, tuple[float, float]], ingest_keys: set[str]) -> dict[str, float]:
    """Seconds per phase from step key → (first start, last end) timestamps."""
    out = dict.fromkeys(PHASES, 0.0)
    for key, (start, end) in steps.items():
        out[phase_of(key, ingest_keys)] += max(0.0, end - start)
    return out


@dataclass
class RunRecord:
    run_id: str
    job: str
    status: str
    start: float
    end: float
    steps: dict[str, tuple[float, float]]
    failed_steps: list[str]
    full_rebuild_reason: str | None
    slowest_models: list[tuple[str, float]]
    models_s: float  # the dbt models' own execution time, summed (the rest of the step: tests,
    # dbt's start-up, parsing, writing artifacts)


def read_run(dagster_home: Path, since: float) -> RunRecord | None:
    """The newest run started after ``since`` (epoch seconds) on the instance in
    ``dagster_home``, with its step timings."""
    import dagster as dg

    wanted = {
        dg.DagsterEventType.STEP_START,
        dg.DagsterEventType.STEP_SUCCESS,
        dg.DagsterEventType.STEP_FAILURE,
    }
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        runs = instance.get_runs(limit=1)
        if not runs:
            return None
        run = runs[0]
        stats = instance.get_run_stats(run.run_id)
        if (stats.start_time or 0) < since - 1:
            return None
        steps: dict[str, list[float]] = {}
        failed, reason, models = [], None, []
        for entry in instance.all_logs(run.run_id):
            event = entry.dagster_event
            if event is None:
                message = entry.user_message or ""
                if FULL_REBUILD_MESSAGE in message:
                    reason = message.split(":", 1)[-1].strip()
                continue
            if event.event_type in wanted and entry.step_key:
                span = steps.setdefault(entry.step_key, [entry.timestamp, entry.timestamp])
                span[0], span[1] = min(span[0], entry.timestamp), max(span[1], entry.timestamp)
                if event.event_type == dg.DagsterEventType.STEP_FAILURE:
                    failed.append(entry.step_key)
            elif (
                event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION
                and entry.step_key == DBT_STEP
            ):
                materialization = event.event_specific_data.materialization
                duration = materialization.metadata.get("Execution Duration")
                if duration is not None:
                    models.append(
                        (
                            materialization.asset_key.to_user_string(),
                            float(getattr(duration, "value", duration)),
                        )
                    )
        return RunRecord(
            run_id=run.run_id,
            job=run.job_name,
            status=run.status.value,
            start=stats.start_time or 0.0,
            end=stats.end_time or 0.0,
            steps={key: (span[0], span[1]) for key, span in steps.items()},
            failed_steps=failed,
            full_rebuild_reason=reason,
            slowest_models=sorted(models, key=lambda m: -m[1])[:8],
            models_s=sum(seconds for _, seconds in models),
        )


def ingested_rows(build_db: Path, since: float) -> dict[str, int]:
    """Files and rows ingestion read (loaded, quarantined, duplicate) since ``since``."""
    import duckdb

    if not build_db.exists():
        return {"files": 0, "rows_read": 0, "rows_loaded": 0, "rows_quarantined": 0}
    cutoff = datetime.fromtimestamp(since - 1)  # the engine stamps local wall time
    with duckdb.connect(str(build_db), read_only=True) as conn:
        row = conn.execute(
            "select count(*), coalesce(sum(rows_read), 0), coalesce(sum(rows_loaded), 0), "
            "coalesce(sum(rows_quarantined), 0) from ingest.file_audit where ingested_at >= ?",
            [cutoff],
        ).fetchone()
    return dict(zip(("files", "rows_read", "rows_loaded", "rows_quarantined"), row, strict=True))


def landed_files_audit(build_db: Path, files: list[str]) -> dict[str, dict[str, Any] | None]:
    """Each landing file's row of ``ingest.file_audit`` in the build file (``None``: ingestion
    has no row for it, it never read the file)."""
    import duckdb

    from pipelines.ingest import audit

    out: dict[str, dict[str, Any] | None] = dict.fromkeys(files)
    if not build_db.exists():
        return out
    with duckdb.connect(str(build_db), read_only=True) as conn:
        for rel in files:
            try:
                row = audit.read(conn, rel)
            except duckdb.CatalogException:  # no audit table yet: nothing was ever ingested
                return out
            if row is not None:
                out[rel] = {
                    "status": row.status,
                    "rows_read": row.rows_read,
                    "rows_loaded": row.rows_loaded,
                    "error_code": row.error_code,
                    "error_message": row.error_message,
                }
    return out


def check_landed(expected: dict[str, int], audits: dict[str, dict[str, Any] | None]) -> dict:
    """Did a run ingest the files the bench landed? ``expected``: file → rows written into it;
    ``audits``: ``landed_files_audit`` of them after the run. ``ok`` when every file is
    ``loaded`` with every row written read; ``problems`` names each file that is not."""
    problems = []
    for rel, rows in expected.items():
        row = audits.get(rel)
        if row is None:
            problems.append(f"{rel}: not in ingest.file_audit (ingestion never read it)")
        elif row["status"] != "loaded":
            problems.append(
                f"{rel}: {row['status']} ({row.get('error_code')}: {row.get('error_message')})"
            )
        elif row["rows_read"] != rows:
            problems.append(f"{rel}: {row['rows_read']:,} rows read of {rows:,} written")
    return {
        "ok": not problems,
        "files": len(expected),
        "rows_written": sum(expected.values()),
        "rows_loaded": sum((row or {}).get("rows_loaded") or 0 for row in audits.values()),
        "problems": problems,
    }


def run_pipeline(
    home: Home,
    label: str,
    full_refresh: bool,
    timeout_s: float | None,
    mem_limit_bytes: int | None,
) -> dict[str, Any]:
    """``python -m pipelines.run [--full-refresh]`` in ``home``; the run's measurements."""
    cmd = [str(PYTHON), "-m", "pipelines.run"] + (["--full-refresh"] if full_refresh else [])
    watched: Watched = run_watched(
        cmd,
        env=home.env(),
        cwd=REPO_ROOT,
        log_path=home.logs / f"{label}.log",
        timeout_s=timeout_s,
        mem_limit_bytes=mem_limit_bytes,
    )
    out: dict[str, Any] = {
        "command": " ".join(["python", *cmd[1:]]),
        "ok": watched.returncode == 0 and not watched.aborted,
        "returncode": watched.returncode,
        "aborted": watched.aborted,
        "wall_s": watched.wall_s,
        "peak_rss_mb": watched.peak_rss_bytes / MB,
        "peak_processes": watched.peak_processes,
        "memory_samples": watched.samples,
        "log": str(watched.log_path),
    }
    record = read_run(home.dagster_home, watched.started_at)
    if record is None:
        out["note"] = "no Dagster run recorded"
        if not out["ok"]:
            out["log_tail"] = _tail(watched.log_path)
        return out
    run_s = max(0.0, record.end - record.start) if record.end else None
    phases = phase_seconds(record.steps, ingest_step_keys())
    out.update(
        run_id=record.run_id,
        job=record.job,
        status=record.status,
        run_s=run_s,
        startup_s=(watched.wall_s - run_s) if run_s is not None else None,
        phases=phases,
        between_steps_s=(run_s - sum(phases.values())) if run_s is not None else None,
        failed_steps=record.failed_steps,
        dbt_full_rebuild=record.full_rebuild_reason,
        dbt_models_s=record.models_s,
        slowest_dbt_models=[{"model": m, "seconds": s} for m, s in record.slowest_models],
    )
    rows = ingested_rows(home.build_db, watched.started_at)
    out["ingested"] = rows
    if phases["ingestion"] > 0:
        out["ingest_rows_per_s"] = rows["rows_read"] / phases["ingestion"]
    out["rows_per_wall_s"] = rows["rows_read"] / watched.wall_s if watched.wall_s else None
    if record.failed_steps or not out["ok"]:
        out["log_tail"] = _tail(watched.log_path)
    return out


def _tail(path: Path | None, chars: int = 3000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:] if path else ""
    except OSError:
        return ""
