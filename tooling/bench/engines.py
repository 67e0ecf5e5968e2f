"""Both engines side by side (``--engines-only``, or a phase of ``make bench``): one generated
company built in full by ``python -m pipelines.run`` with ``LASTMILE_ENGINE=duckdb`` and with
``LASTMILE_ENGINE=spark`` (dbt-spark in session mode, local Spark in dbt's process), each in its
own home from a copy of the same landing files, one after the other on the same machine.

Reported per engine: the run's wall time, its dbt step, its peak resident memory (the whole
process tree, the Spark JVM included: it is dbt's child) and whether every mart of the two
served files has the same number of rows (the exact comparison is ``tests/spark``'s).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from pipelines.engines import ENGINES as ENGINE_CLASSES
from tooling.bench import pipeline as P
from tooling.bench import volume as V
from tooling.bench.ingest import generate_company
from tooling.bench.report import fmt_int, table

ENGINES_BEGIN = "<!-- engines:begin -->"
ENGINES_END = "<!-- engines:end -->"
ENGINES = list(ENGINE_CLASSES)  # duckdb first: the reference


def mart_counts(serve_db: Path) -> dict[str, int]:
    """Every served mart and its row count."""
    with duckdb.connect(str(serve_db), read_only=True) as conn:
        names = [
            name
            for (name,) in conn.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'marts' order by 1"
            ).fetchall()
        ]
        return {n: conn.execute(f'select count(*) from marts."{n}"').fetchone()[0] for n in names}


def measure(
    workdir: Path,
    scale: float,
    start: date,
    end: date,
    seed: int,
    timeout_s: float | None,
    mem_limit_bytes: int | None,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Generate the company once, build it on every engine; the measurements per engine."""
    root = workdir / "engines"
    homes = {engine: P.Home(root / engine, engine=engine) for engine in ENGINES}
    for home in homes.values():
        home.create()
    first = homes[ENGINES[0]]
    log(f"engines: generating scale {scale:g} into {first.landing} …")
    generate_company(first.landing, scale, start, end, seed)
    for home in list(homes.values())[1:]:
        shutil.copytree(first.landing, home.landing)
    for home in homes.values():
        V.settle((p for p in home.landing.rglob("*") if p.is_file()), home.env())
    P.dbt_parse(first.env())
    out: dict[str, Any] = {
        "scale": scale,
        "window": [start.isoformat(), end.isoformat()],
        "seed": seed,
        "runs": {},
    }
    for engine, home in homes.items():
        log(f"engines: full build on {engine} …")
        run = P.run_pipeline(home, f"full-{engine}", True, timeout_s, mem_limit_bytes)
        run.pop("memory_samples", None)
        out["runs"][engine] = run
        log(f"engines: {engine}: {'ok' if run['ok'] else 'FAILED'} in {run['wall_s']:.0f} s")
    if all(run["ok"] for run in out["runs"].values()):
        counts = {engine: mart_counts(home.serve_db) for engine, home in homes.items()}
        reference = counts[ENGINES[0]]
        out["marts"] = len(reference)
        out["different_counts"] = sorted(
            mart
            for engine in ENGINES[1:]
            for mart in set(reference) | set(counts[engine])
            if counts[engine].get(mart) != reference.get(mart)
        )
    return out


def render(result: dict[str, Any], date: str, command: str, commit: str) -> str:
    """The engines section of docs/benchmarks.md, between its markers."""
    out = [
        ENGINES_BEGIN,
        "## DuckDB and Spark side by side",
        "",
        f"Measured {date} with `{command}` at commit `{commit}`: the sample company at scale "
        f"{result['scale']:g} ({result['window'][0]} – {result['window'][1]}, seed "
        f"{result['seed']}), one full build (`python -m pipelines.run --full-refresh`) per engine, "
        "each in its own home from the same landing files; Spark is local, in dbt's process "
        "(`LASTMILE_SPARK_METHOD=session`). Peak memory is the run's whole process tree.",
        "",
    ]
    rows = []
    for engine, run in result["runs"].items():
        phases = run.get("phases") or {}
        rows.append(
            [
                engine,
                "ok" if run["ok"] else f"FAILED ({run.get('aborted') or run.get('returncode')})",
                fmt_int(run["wall_s"]),
                fmt_int(phases.get("dbt")),
                fmt_int(phases.get("ingestion")),
                fmt_int(run["peak_rss_mb"]),
            ]
        )
    out.append(
        table(
            ["engine", "run", "wall s", "dbt s", "ingestion s", "peak MB"], rows, right={2, 3, 4, 5}
        )
    )
    out.append("")
    if "marts" in result:
        different = result["different_counts"]
        out.append(
            f"Row counts of the {result['marts']} served marts: "
            + (
                "the same on both engines."
                if not different
                else f"differ in {', '.join(different)}."
            )
        )
        out.append("")
    out.append(ENGINES_END)
    return "\n".join(out) + "\n"
