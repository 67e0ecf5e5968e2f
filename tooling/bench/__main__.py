"""``make bench``: how fast Lastmile builds, refreshes and answers, on this machine.

    python -m tooling.bench [--datasets scale1,scale10,sales10m] [--sales-logs 10000000]
        [--superset-on scale1,sales10m] [--skip-superset] [--workdir DIR] [--out docs/]
    python -m tooling.bench --ingest-only [--ingest-clean-rows 1000000] [--sales-logs …]
    python -m tooling.bench --rush-only [--rush-users 50]

First the ingestion phase alone (``tooling/bench/ingest.py``): a clean 1M-row CSV ingested
against ``pl.read_csv`` of the same file, and 10M sales logs through ``python -m pipelines.ingest``
(time and peak memory); ``--ingest-only`` runs just that and writes its section into the existing
``benchmarks.md`` / ``benchmarks.json`` (the rest of the report is left as it was),
``--skip-ingest`` leaves it out.

Per dataset, in its own LASTMILE_HOME under the work dir (default ``$LASTMILE_HOME/bench``):
generate it, run the full build (``python -m pipelines.run --full-refresh``), land one new day
(sales logs and WeCom messages, an average day's volume each, drawn from the sample's own files
that its ``_manifest.json`` lists: ``volume.py``), run the daily incremental refresh
(``python -m pipelines.run``), then run it once more with nothing new. Every file the bench lands
has its modification time moved past the landing contract's settle time first (ingestion leaves a
newer file for the next run as still being written), and after the one-new-day run the bench
reads ``ingest.file_audit`` to check that the run ingested every row of the new day: when it did
not, it timed a no-op, and the bench says so in its log and the report's notes, leaves that share
unjudged (``INVALID``) and exits 1.

On each ``--superset-on`` dataset (default ``scale1,sales10m``), on its served file:
drill-path chart-data latency and board draw times in Chromium. The first of them keeps the
report's ``## Superset`` section (``results["superset"]``) and also gets the Monday-morning rush
(``rush.py``; ``--rush-only`` runs just that on it) and the landing → boards latency through the
sensor when ``tooling.daemon`` provides it; each other one gets ``## Superset on <dataset>``
(``results["superset_more"][dataset]``), its targets judged the same way. The targets (issue 16)
live in ``report.py``. Prints the report and writes ``benchmarks.md`` and ``benchmarks.json``
into ``--out``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import traceback
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from pipelines.config import REPO_ROOT, load_settings
from tooling.bench import pipeline as P
from tooling.bench import report as R
from tooling.bench import volume as V
from tooling.bench.machine import machine_info, software_versions
from tooling.bench.procmon import MB, meminfo

DEFAULT_DATASETS = "scale1,scale10,sales10m"
DEFAULT_SUPERSET_ON = "scale1,sales10m"
SAMPLE_SEED = 42
VOLUME_SEED = 7


@dataclass(frozen=True)
class DatasetSpec:
    kind: str  # scale | sales
    scale: float  # the generated company's scale
    sales_logs: int = 0  # sales: total sales-log rows wanted

    @property
    def name(self) -> str:
        if self.kind == "sales":
            return f"sales{R.human_count(self.sales_logs)}"
        return f"scale{self.scale:g}"


def parse_datasets(text: str, sales_logs: int, sales_base_scale: float) -> list[DatasetSpec]:
    """``scale1,scale10,sales10m`` → specs. ``scale<N>`` is a generated company at scale N;
    ``sales10m`` (or ``sales``) is the sales-log variant: a company at ``sales_base_scale`` whose
    sales logs are topped up to ``sales_logs`` rows."""
    specs = []
    for token in (t.strip().lower() for t in text.split(",")):
        if not token:
            continue
        if match := re.fullmatch(r"scale(\d+(?:\.\d+)?)", token):
            scale = float(match[1])
            if scale <= 0:
                raise ValueError(f"{token}: the scale must be positive")
            specs.append(DatasetSpec("scale", scale))
        elif token in ("sales", "sales10m"):
            specs.append(DatasetSpec("sales", sales_base_scale, sales_logs))
        else:
            raise ValueError(f"unknown dataset {token!r}: use scale<N> or sales10m")
    if not specs:
        raise ValueError("no datasets")
    return specs


def parse_superset_on(text: str) -> list[str]:
    """``scale1, sales10m`` → ``["scale1", "sales10m"]``: the datasets Superset is measured on, in
    order, each once. ``scale<N>`` names a scale dataset, ``sales…`` the sales-log variant
    (whatever its size: ``sales10m`` is also ``sales200k`` run with ``--sales-logs 200000``)."""
    names: list[str] = []
    for token in (t.strip().lower() for t in text.split(",")):
        if not token:
            continue
        if not re.fullmatch(r"scale\d+(?:\.\d+)?|sales\w*", token):
            raise ValueError(f"--superset-on: unknown dataset {token!r}: use scale<N> or sales10m")
        if token not in names:
            names.append(token)
    if not names:
        raise ValueError("--superset-on: no dataset")
    return names


def superset_spec(specs: list[DatasetSpec], name: str) -> DatasetSpec | None:
    """The dataset of ``specs`` a ``--superset-on`` name means, if it is among them."""
    if name.startswith("sales"):
        return next((s for s in specs if s.kind == "sales"), None)
    scale = float(name.removeprefix("scale"))
    return next((s for s in specs if s.kind == "scale" and s.scale == scale), None)


def superset_targets(specs: list[DatasetSpec], names: list[str]) -> list[DatasetSpec]:
    """The datasets Superset is measured on, in ``names``' order; the first keeps the report's
    main Superset section (and the rush, and the landing latency). Names not among ``specs`` are
    left out; when none is, the first scale dataset (else the first) is measured."""
    found: list[DatasetSpec] = []
    for name in names:
        spec = superset_spec(specs, name)
        if spec is not None and spec not in found:
            found.append(spec)
    if not found and specs:
        found.append(next((s for s in specs if s.kind == "scale"), specs[0]))
    return found


def sample_window(end: date | None) -> tuple[date, date]:
    """The demo's window: a year ending yesterday (the Makefile's SAMPLE_START/SAMPLE_END)."""
    end = end or date.today() - timedelta(days=1)
    start = date(end.year - 1, end.month, end.day) + timedelta(days=1)
    return start, end


def landing_size(landing: Path) -> tuple[int, float]:
    """(files, MB) of what the contract sees (names starting with _ are not ingested)."""
    files = [
        p for p in landing.rglob("*") if p.is_file() and p.relative_to(landing).parts[0][:1] != "_"
    ]
    return len(files), sum(p.stat().st_size for p in files) / MB


def manifest_rows(landing: Path) -> dict[str, int]:
    rows: dict[str, int] = {}
    manifest = json.loads((landing / "_manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["files"]:
        rows[entry["table"]] = rows.get(entry["table"], 0) + int(entry["rows"])
    return rows


def git_commit() -> str:
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "?"
    return f"{sha}{' (with uncommitted changes)' if dirty else ''}" if sha else "?"


# --- one dataset --------------------------------------------------------------------------------


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.start, self.end = sample_window(args.end)
        self.notes: list[str] = []
        total = meminfo().get("MemTotal", 0)
        self.mem_limit = int(args.mem_limit_mb * MB) if args.mem_limit_mb else int(total * 0.75)
        self.parsed = False

    def log(self, message: str) -> None:
        print(f"[bench {datetime.now():%H:%M:%S}] {message}", flush=True)

    def generate(self, home: P.Home, spec: DatasetSpec) -> dict[str, Any]:
        """Write the dataset's landing tree; what it holds and how long it took."""
        started = time.perf_counter()
        cmd = [
            str(P.PYTHON),
            "-m",
            "pipelines.sample",
            "--seed",
            str(SAMPLE_SEED),
            "--scale",
            f"{spec.scale:g}",
            "--start",
            self.start.isoformat(),
            "--end",
            self.end.isoformat(),
            "--out",
            str(home.landing),
        ]
        done = subprocess.run(cmd, cwd=REPO_ROOT, env=home.env(), capture_output=True, text=True)
        (home.logs / "generate.log").write_text(done.stdout + done.stderr)
        if done.returncode != 0:
            raise RuntimeError(f"the sample generator failed: {done.stderr[-2000:]}")
        sample_s = time.perf_counter() - started
        rows = manifest_rows(home.landing)
        out: dict[str, Any] = {"sample_generation_s": sample_s}
        sales_logs = rows.get("crm.sales_logs", 0)
        if spec.kind == "sales":
            extra = max(0, spec.sales_logs - sales_logs)
            started_volume = time.perf_counter()
            written = V.write_bulk_sales_logs(
                home.landing, extra, self.start, self.end, seed=VOLUME_SEED
            )
            out["synthetic_generation_s"] = time.perf_counter() - started_volume
            out["synthetic_sales_logs"] = written.rows
            out["synthetic_files"] = len(written.files)
            sales_logs += written.rows
        out["generation_s"] = time.perf_counter() - started
        out["sales_logs"] = sales_logs
        out["wecom_messages"] = rows.get("wecom.messages", 0)
        out["landing_rows"] = sum(rows.values()) + out.get("synthetic_sales_logs", 0)
        out["landing_files"], out["landing_mb"] = landing_size(home.landing)
        # the last files written must not be left for a later run as "still being written"
        self.settle(home, (p for p in home.landing.rglob("*") if p.is_file()))
        return out

    def settle(self, home: P.Home, paths: Iterable[Path]) -> None:
        """Backdate ``paths`` past the settle time ingestion applies in ``home``'s runs."""
        V.settle(paths, home.env())

    def describe(self, spec: DatasetSpec, generated: dict[str, Any]) -> str:
        company = (
            f"sample company, scale {spec.scale:g} (seed {SAMPLE_SEED}), {self.start} – {self.end}"
        )
        if spec.kind == "sales":
            return (
                f"{company}, its {generated['sales_logs'] - generated['synthetic_sales_logs']:,} "
                f"sales logs topped up with {generated['synthetic_sales_logs']:,} synthetic ones "
                f"(tooling/bench/volume.py, seed {VOLUME_SEED}) to "
                f"{generated['sales_logs']:,}"
            )
        return company

    def land_new_day(self, home: P.Home, generated: dict[str, Any]) -> dict[str, Any]:
        """Write one new day (sales logs and WeCom messages, an average day each), backdated past
        the settle time so the next run ingests it; its description and file → rows written."""
        day = self.end + timedelta(days=1)
        logs = V.average_per_day(generated["sales_logs"], self.start, self.end)
        messages = V.average_per_day(generated["wecom_messages"], self.start, self.end)
        a = V.write_day_sales_logs(home.landing, day, logs, seed=VOLUME_SEED)
        b = V.write_day_messages(home.landing, day, messages, seed=VOLUME_SEED)
        self.settle(home, [home.landing / rel for rel in a.files + b.files])
        return {
            "description": f"{day}: {a.rows:,} sales logs + {b.rows:,} WeCom messages "
            f"({a.files[0]}, {b.files[0]})",
            "files": {a.files[0]: a.rows, b.files[0]: b.rows},
        }

    def check_new_day(self, home: P.Home, run: dict[str, Any], files: dict[str, int]) -> dict:
        """Whether the one-new-day run really ingested the day (``ingest.file_audit``); said
        loudly when it did not: its time would be a no-op's, not an increment's."""
        check = P.check_landed(files, P.landed_files_audit(home.build_db, list(files)))
        if not check["ok"]:
            try:
                log = Path(run["log"]).read_text(errors="replace")
            except (KeyError, OSError):
                log = ""
            waiting = next((ln for ln in log.splitlines() if "Still being written" in ln), None)
            if waiting:
                check["problems"].append(f"the run said: {waiting.strip()}")
            self.log(
                f"{home.root.name}: NOT MEASURED: the one-new-day run did not ingest the new "
                f"day — {'; '.join(check['problems'])}"
            )
        return check

    def run(self, home: P.Home, label: str, full_refresh: bool) -> dict[str, Any]:
        self.log(f"{home.root.name}: {label} run …")
        result = P.run_pipeline(home, label, full_refresh, self.args.run_timeout, self.mem_limit)
        phases = result.get("phases") or {}
        self.log(
            f"{home.root.name}: {label}: {'ok' if result['ok'] else 'FAILED'} in "
            f"{result['wall_s']:.1f} s (dbt {phases.get('dbt', 0):.1f} s), "
            f"peak {result['peak_rss_mb']:,.0f} MB"
            + (f" — {result['aborted']}" if result.get("aborted") else "")
        )
        if not result["ok"] and result.get("log_tail"):
            print(result["log_tail"][-1500:], file=sys.stderr)
        return result

    def dataset(self, spec: DatasetSpec, superset: bool, first: bool = True) -> dict[str, Any]:
        """Generate, full build, one new day, nothing new; with ``superset``, measure Superset on
        the served file (``first``: the first ``--superset-on`` dataset, which also gets the rush
        and the landing latency)."""
        home = P.Home(self.args.workdir / spec.name)
        home.create()
        if not self.parsed:
            P.dbt_parse(home.env())
            self.parsed = True
        self.log(f"{spec.name}: generating into {home.landing} …")
        generated = self.generate(home, spec)
        self.log(
            f"{spec.name}: {generated['landing_rows']:,} rows in {generated['landing_files']} "
            f"files ({generated['landing_mb']:,.0f} MB) in {generated['generation_s']:.1f} s"
        )
        out: dict[str, Any] = {
            "name": spec.name,
            "kind": spec.kind,
            "scale": spec.scale,
            "home": str(home.root),
            "description": self.describe(spec, generated),
            **generated,
            "runs": {},
        }
        full = out["runs"]["full"] = self.run(home, "full", full_refresh=True)
        if full["ok"]:
            new_day = self.land_new_day(home, generated)
            out["new_day_description"] = new_day["description"]
            incremental = out["runs"]["incremental"] = self.run(home, "incremental", False)
            if incremental["ok"]:
                incremental["new_day"] = self.check_new_day(home, incremental, new_day["files"])
            noop = out["runs"]["noop"] = self.run(home, "noop", False)
            if incremental["ok"] and not incremental["new_day"]["ok"]:
                out["incremental_invalid"] = "the one-new-day run did not ingest the new day: " + (
                    "; ".join(incremental["new_day"]["problems"])
                )
            elif incremental["ok"]:
                out["incremental_share"] = incremental["wall_s"] / full["wall_s"]
                if incremental.get("dbt_full_rebuild"):
                    out["incremental_note"] = (
                        "dbt rebuilt everything in the incremental run: "
                        f"{incremental['dbt_full_rebuild']}"
                    )
            if noop["ok"]:
                out["noop_share"] = noop["wall_s"] / full["wall_s"]
            if superset:
                out["superset"] = self.superset(home, spec, rush=first)
                if first:
                    out["landing_latency"] = landing_latency(home, self.args)
        elif superset:
            out["superset"] = {"skipped": f"the full build of {spec.name} did not succeed"}
        return out

    def superset(self, home: P.Home, spec: DatasetSpec, rush: bool = True) -> dict[str, Any]:
        from tooling.bench import superset as S

        self.log(f"{spec.name}: Superset: bootstrap, drill-path chart data, boards in Chromium …")
        try:
            result = S.measure(
                home.root,
                home.serve_db,
                home.logs,
                repeats=self.args.chart_repeats,
                board_repeats=self.args.board_repeats,
                rush_users=self.args.rush_users if rush else 0,
            )
        except Exception as exc:  # reported, not fatal: the pipeline numbers still count
            traceback.print_exc()
            return {"skipped": f"Superset measurement failed: {exc}"}
        result["dataset"] = spec.name
        return result

    def sales_dataset(self, spec: DatasetSpec, superset: bool, first: bool = True) -> dict:
        """The sales-log variant; when the machine cannot run a size (memory or time guard), the
        size is halved down to ``--sales-logs-min``, and the report says what ran and why."""
        attempts, size = [], spec.sales_logs
        while True:
            attempt = DatasetSpec("sales", spec.scale, size)
            result = self.dataset(attempt, superset, first)
            aborted = size_limit(result["runs"]["full"])
            attempts.append(
                {
                    "sales_logs": size,
                    "ok": result["runs"]["full"]["ok"],
                    "aborted": aborted,
                    "wall_s": result["runs"]["full"]["wall_s"],
                    "peak_rss_mb": result["runs"]["full"]["peak_rss_mb"],
                }
            )
            if not aborted or size // 2 < self.args.sales_logs_min:
                break
            self.cleanup(P.Home(self.args.workdir / attempt.name))
            self.log(f"{attempt.name}: {aborted}; trying {size // 2:,} sales logs")
            size //= 2
        result["requested_sales_logs"] = spec.sales_logs
        result["attempts"] = attempts
        if size < spec.sales_logs:
            result["size_reason"] = "; ".join(
                f"{a['sales_logs']:,}: {a['aborted']}" for a in attempts if a["aborted"]
            )
        return result

    def cleanup(self, home: P.Home) -> None:
        if not self.args.keep and home.root.exists():
            shutil.rmtree(home.root, ignore_errors=True)


MEMORY_ERRORS = ("Out of Memory Error", "MemoryError", "Cannot allocate memory", "OOM")


def size_limit(run: dict[str, Any]) -> str | None:
    """Why a run could not handle its size (the bench's memory or time guard, or the run failing
    for lack of memory), else None. Other failures are not about the size."""
    if run.get("aborted"):
        return run["aborted"]
    if run.get("ok"):
        return None
    if run.get("returncode") in (-9, 137):
        return "the run was killed (SIGKILL: the kernel's OOM killer?)"
    try:
        text = Path(run["log"]).read_text(errors="replace")
    except (KeyError, OSError):
        text = run.get("log_tail") or ""
    found = next((marker for marker in MEMORY_ERRORS if marker in text), None)
    return f"the run failed for lack of memory ({found})" if found else None


def landing_latency(home: P.Home, args: argparse.Namespace) -> dict[str, Any]:
    """Landing → boards latency through the sensor, measured by ``tooling.daemon``: it starts
    the real dagster-daemon on this home, waits until the sensor has seen the landing folder as
    it is and no run is in progress, drops a new CRM sales-log file and times until the served
    DuckDB shows it (sensor wait, queue, ingestion, dbt, checks, publish)."""
    if args.skip_landing_latency:
        return {"status": "not measured", "reason": "--skip-landing-latency"}
    try:
        from tooling.daemon import measure_landing_latency
    except ImportError as exc:
        return {
            "status": "not measured",
            "reason": f"tooling.daemon.measure_landing_latency is not available ({exc})",
        }
    import inspect
    from dataclasses import asdict, is_dataclass

    offered = {"env": home.env(), "timeout": args.landing_timeout}
    accepted = inspect.signature(measure_landing_latency).parameters
    try:
        measured = measure_landing_latency(**{k: v for k, v in offered.items() if k in accepted})
    except Exception as exc:
        traceback.print_exc()
        return {"status": "not measured", "reason": f"measure_landing_latency failed: {exc}"}
    out: dict[str, Any] = {"status": "measured", "dataset": home.root.name}
    if hasattr(measured, "describe"):
        out["summary"] = measured.describe()
    if is_dataclass(measured):
        out.update(json.loads(json.dumps(asdict(measured), default=str)))
    elif isinstance(measured, dict):
        out.update(measured)
    else:
        out["seconds"] = measured
    return out


# --- the whole bench ----------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    settings = load_settings()
    p = argparse.ArgumentParser(prog="python -m tooling.bench", description=__doc__.split("\n")[0])
    p.add_argument("--datasets", default=DEFAULT_DATASETS, help=f"default {DEFAULT_DATASETS}")
    p.add_argument("--sales-logs", type=int, default=10_000_000, help="sales-log rows (sales10m)")
    p.add_argument(
        "--sales-logs-min",
        type=int,
        default=1_000_000,
        help="smallest size the sales-log variant falls back to when a size cannot run",
    )
    p.add_argument(
        "--sales-base-scale", type=float, default=1.0, help="company scale of the sales variant"
    )
    p.add_argument(
        "--superset-on",
        default=DEFAULT_SUPERSET_ON,
        help="datasets Superset (drill-path chart data, board draws) is measured on, comma-"
        f"separated; the first also gets the rush and the landing latency (default "
        f"{DEFAULT_SUPERSET_ON})",
    )
    p.add_argument("--skip-superset", action="store_true")
    p.add_argument("--skip-landing-latency", action="store_true")
    p.add_argument(
        "--landing-timeout", type=float, default=1800, help="seconds per wait of that measurement"
    )
    p.add_argument("--chart-repeats", type=int, default=20, help="timed requests per chart")
    p.add_argument("--board-repeats", type=int, default=3, help="timed draws per board")
    p.add_argument("--workdir", type=Path, default=settings.home / "bench")
    p.add_argument("--out", type=Path, default=REPO_ROOT / "docs")
    p.add_argument("--end", type=date.fromisoformat, help="sample end date (default yesterday)")
    p.add_argument(
        "--run-timeout", type=float, default=5400, help="seconds before a pipeline run is stopped"
    )
    p.add_argument(
        "--mem-limit-mb",
        type=float,
        default=None,
        help="stop a run whose process tree holds more (default 75 %% of RAM)",
    )
    p.add_argument("--keep", action="store_true", help="keep each dataset's home afterwards")
    p.add_argument(
        "--ingest-only",
        action="store_true",
        help="only the ingestion phase; its section replaces the one in --out's report",
    )
    p.add_argument("--skip-ingest", action="store_true", help="leave the ingestion phase out")
    p.add_argument(
        "--engines-only",
        action="store_true",
        help="only build one company on DuckDB and on Spark; write that section of the report",
    )
    p.add_argument("--skip-engines", action="store_true", help="leave the engines phase out")
    p.add_argument(
        "--engines-scale", type=float, default=0.1, help="company scale of the engines phase"
    )
    p.add_argument(
        "--rush-only",
        action="store_true",
        help="only the Monday-morning rush on the first --superset-on dataset (built first); its "
        "section replaces the one in --out's report",
    )
    p.add_argument(
        "--rush-users", type=int, default=50, help="simultaneous logins of the rush (0: skip it)"
    )
    p.add_argument("--ingest-clean-rows", type=int, default=1_000_000, help="rows of the clean CSV")
    p.add_argument("--ingest-repeats", type=int, default=3, help="timed runs of the clean CSV")
    p.add_argument(
        "--ingest-scale", type=float, default=1.0, help="company scale of the ingestion phase"
    )
    args = p.parse_args(argv)
    args.workdir = args.workdir.expanduser().resolve()
    args.out = args.out.expanduser().resolve()
    try:
        args.specs = parse_datasets(args.datasets, args.sales_logs, args.sales_base_scale)
        args.superset_names = parse_superset_on(args.superset_on)
    except ValueError as exc:
        p.error(str(exc))
    return args


def superset_target(specs: list[DatasetSpec], wanted: str) -> DatasetSpec | None:
    """The first dataset Superset is measured on (``wanted``: the ``--superset-on`` list)."""
    return next(iter(superset_targets(specs, parse_superset_on(wanted))), None)


def ingestion_phase(bench: Bench, args: argparse.Namespace) -> dict[str, Any]:
    from tooling.bench import ingest as I

    return I.measure(
        args.workdir / "ingestion",
        bench.start,
        bench.end,
        scale=args.ingest_scale,
        seed=SAMPLE_SEED,
        clean_rows=args.ingest_clean_rows,
        sales_logs=args.sales_logs,
        repeats=args.ingest_repeats,
        timeout_s=args.run_timeout,
        mem_limit_bytes=bench.mem_limit,
        log=bench.log,
    )


def stamp(argv: list[str] | None) -> dict[str, str]:
    """When, by which command and at which commit a measurement was taken."""
    return {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "command": "python -m tooling.bench "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "commit": git_commit(),
    }


def ingest_only(bench: Bench, args: argparse.Namespace, argv: list[str] | None) -> int:
    """Run the ingestion phase and write its section into the existing report."""
    args.workdir.mkdir(parents=True, exist_ok=True)
    load_at_start = os.getloadavg()[0]
    ingestion = ingestion_phase(bench, args)
    ingestion["load_note"] = (
        f"load average at start {load_at_start:.2f} (1 min), at the end {os.getloadavg()[0]:.2f}"
        f", on {os.cpu_count()} cores"
    )
    if not args.keep:
        shutil.rmtree(args.workdir / "ingestion", ignore_errors=True)
    taken = stamp(argv)
    section = R.render_ingestion(ingestion, **taken)
    R.write_section(
        args.out, "ingestion", ingestion, section, R.INGESTION_BEGIN, R.INGESTION_END, taken
    )
    print()
    print(section)
    ok = all("error" not in (ingestion.get(k) or {}) for k in ("clean_csv", "sales_logs"))
    return 0 if ok and (ingestion.get("sales_logs") or {}).get("ok") else 1


def engines_only(bench: Bench, args: argparse.Namespace, argv: list[str] | None) -> int:
    """Build one company on each engine and write the engines section into the report."""
    from tooling.bench import engines as E

    args.workdir.mkdir(parents=True, exist_ok=True)
    result = E.measure(
        args.workdir,
        args.engines_scale,
        bench.start,
        bench.end,
        SAMPLE_SEED,
        args.run_timeout,
        bench.mem_limit,
        bench.log,
    )
    if not args.keep:
        shutil.rmtree(args.workdir / "engines", ignore_errors=True)
    taken = stamp(argv)
    section = E.render(result, **taken)
    R.write_section(args.out, "engines", result, section, E.ENGINES_BEGIN, E.ENGINES_END, taken)
    print()
    print(section)
    runs = result["runs"].values()
    return 0 if all(run["ok"] for run in runs) and not result.get("different_counts") else 1


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Stopped by SIGTERM (kill, a CI timeout): unwind like Ctrl-C, so every run, generator and
    # server this bench started in its own session is stopped with it, not left running.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    bench = Bench(args)
    if args.ingest_only:
        return ingest_only(bench, args, argv)
    if args.rush_only:
        from tooling.bench.rush import rush_only

        return rush_only(bench, args, argv)
    if args.engines_only:
        return engines_only(bench, args, argv)
    started = time.perf_counter()
    load_at_start = os.getloadavg()[0]
    targets = [] if args.skip_superset else superset_targets(args.specs, args.superset_names)
    results: dict[str, Any] = {
        **stamp(argv),
        "machine": machine_info(),
        "software": software_versions(),
        "sample_window": [bench.start.isoformat(), bench.end.isoformat()],
        "datasets": [],
    }
    args.workdir.mkdir(parents=True, exist_ok=True)
    bench.log(f"work dir {args.workdir}; datasets {', '.join(s.name for s in args.specs)}")
    if not args.skip_superset:
        for name in args.superset_names:
            if superset_spec(args.specs, name) is None:
                bench.notes.append(
                    f"--superset-on {name}: not among the datasets of this run, not measured."
                )
    if not args.skip_ingest:
        results["ingestion"] = ingestion_phase(bench, args)
        if not args.keep:
            shutil.rmtree(args.workdir / "ingestion", ignore_errors=True)
    for index, spec in enumerate(args.specs):
        measure_superset, first = spec in targets, bool(targets) and spec == targets[0]
        try:
            if spec.kind == "sales":
                dataset = bench.sales_dataset(spec, measure_superset, first)
            else:
                dataset = bench.dataset(spec, measure_superset, first)
        except Exception as exc:
            traceback.print_exc()
            dataset = {"name": spec.name, "kind": spec.kind, "scale": spec.scale, "error": str(exc)}
            bench.notes.append(f"{spec.name}: the bench failed: {exc}")
            if measure_superset:
                dataset["superset"] = {"skipped": f"the bench failed on {spec.name}: {exc}"}
        if "superset" in dataset:
            # the first --superset-on dataset keeps results["superset"]; the others go beside it
            measured = dataset.pop("superset")
            if first:
                results["superset"] = measured
            else:
                results.setdefault("superset_more", {})[dataset["name"]] = measured
        if "landing_latency" in dataset:
            results["landing_latency"] = dataset.pop("landing_latency")
        results["datasets"].append(dataset)
        bench.cleanup(P.Home(args.workdir / dataset["name"]))
        pending = [s.name for s in args.specs[index + 1 :]]
        if pending:
            # Save what is measured so far: a long bench cut short still leaves its report.
            write_report(
                finish(dict(results), bench, args, started, load_at_start, pending), args.out
            )
            bench.log(f"{spec.name} done; report so far in {args.out / 'benchmarks.md'}")
    markdown = write_report(finish(results, bench, args, started, load_at_start, []), args.out)
    if not args.skip_engines:  # last: its section is merged into the report just written
        engines_only(bench, args, argv)
        markdown = (args.out / "benchmarks.md").read_text(encoding="utf-8")
    print()
    print(markdown)
    bench.log(
        f"done in {results['bench_s'] / 60:.1f} min: {args.out / 'benchmarks.md'}, "
        f"{args.out / 'benchmarks.json'}"
    )
    failed = [d for d in results["datasets"] if "error" in d or d.get("incremental_invalid")]
    return 1 if failed else 0


def finish(
    results: dict,
    bench: Bench,
    args: argparse.Namespace,
    started: float,
    load_at_start: float,
    pending: list[str],
) -> dict:
    """Complete ``results`` with notes, totals, the load and target verdicts; ``pending`` names
    the datasets still to run when this is an interim report."""
    if args.skip_superset:
        results["superset"] = {"skipped": "--skip-superset"}
        results.setdefault(
            "landing_latency", {"status": "not measured", "reason": "--skip-superset"}
        )
    results.setdefault("superset", {"skipped": "no dataset to measure it on"})
    results["notes"] = bench.notes + notes_for(results)
    if pending:
        results["notes"].insert(
            0, f"Interim report: {', '.join(pending)} still running or not yet run."
        )
    results["bench_s"] = time.perf_counter() - started
    results["load_note"] = (
        f"load average at start {load_at_start:.2f} (1 min), at the end {os.getloadavg()[0]:.2f}"
    )
    results["targets"] = R.targets(results)
    return results


def write_report(results: dict, out: Path) -> str:
    """Write ``benchmarks.md`` and ``benchmarks.json`` into ``out``; return the markdown."""
    markdown = R.render_markdown(results)
    out.mkdir(parents=True, exist_ok=True)
    (out / "benchmarks.md").write_text(markdown, encoding="utf-8")
    (out / "benchmarks.json").write_text(R.render_json(results), encoding="utf-8")
    return markdown


def notes_for(results: dict) -> list[str]:
    """What the reader should know about how the numbers were taken."""
    notes = [
        f"NOT MEASURED — {d['name']}: {d['incremental_invalid']}; its one-new-day time is not "
        "an increment's and is not judged."
        for d in results["datasets"]
        if d.get("incremental_invalid")
    ] + [
        "Each dataset ran in its own LASTMILE_HOME (SQLite Dagster instance, dbt target "
        f"{os.environ.get('LASTMILE_DBT_TARGET', 'dev')}), one run at a time; the full build is "
        "`python -m pipelines.run --full-refresh` on an empty warehouse, the incremental runs "
        "`python -m pipelines.run` right after it.",
        "Wall times include starting Python and loading the Dagster definitions (the start-up "
        "column); they are what an operator waits for.",
    ]
    for dataset in results["datasets"]:
        for key, run in (dataset.get("runs") or {}).items():
            if not run.get("ok"):
                notes.append(
                    f"{dataset['name']} {key} run did not succeed: "
                    f"{run.get('aborted') or run.get('failed_steps') or run.get('returncode')}"
                )
        for attempt in dataset.get("attempts", []):
            if attempt.get("aborted"):
                notes.append(
                    f"{dataset['name']}: the attempt with {attempt['sales_logs']:,} sales logs "
                    f"was stopped after {attempt['wall_s']:,.0f} s: {attempt['aborted']}"
                )
    if (results.get("landing_latency") or {}).get("status") != "measured":
        notes.append(
            "Landing → boards latency through the sensor: "
            + (results.get("landing_latency") or {}).get("reason", "not measured")
        )
    return notes


if __name__ == "__main__":
    sys.exit(main())
