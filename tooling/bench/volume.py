"""Synthetic landing files for the benchmark: bulk sales logs and one new day of data.

The sample generator cannot write ten million sales logs at a sane scale, so the large variant is
a generated company plus synthetic sales-log files built here. Every synthetic row is a real row
of the company's own sales logs (the *pool*: the files the sample generator lists in
``_manifest.json``, minus the planted defects it lists there; never anything else under the landing
folder, so the bulk files and earlier days written here are not read back: a pool stays the size
of the sample, not of the 10M-row dataset) with a fresh id and a new time, so it references the
company's real reps, customers, contacts, opportunities and templates and carries the template's
required fields:

- the new time keeps the pool row's weekday and time of day and moves it by whole weeks to a day
  inside ``[start, end]`` (ranges shorter than a week: any day of the range), so the volume follows
  the company's own weekly rhythm;
- ids are ``<prefix><9 digits>`` (bulk: ``SLV``, a new day: ``SLD<yyyymmdd>``), numbered in
  time order, prefixes the sample never uses;
- files are written as the sample writes them (UTF-8 with BOM, CRLF, the CRM's Chinese headers),
  one per month (``crm/sales_logs_<tag>_YYYY-MM.csv``), matching the contract's
  ``crm/sales_logs*.csv``.

Everything is vectorised (NumPy draws, Polars gathers and CSV writing) and deterministic for a
seed. The same functions write the daily increment: one day's sales logs and WeCom messages, each
an average day's volume, dated the day after the sample ends.

Files written here are new, and ingestion leaves a file modified less than the contract's
``landing.settle_seconds`` ago for the next run (it may still be being written): the bench moves
the modification time of what it lands past that settle time (``backdate``; ``settle_seconds``
reads it where ingestion does) before it runs the pipeline on it.
"""

from __future__ import annotations

import csv
import json
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fnmatch import fnmatch
from pathlib import Path

import numpy as np
import polars as pl

MANIFEST = "_manifest.json"
EPOCH = date(1970, 1, 1)
DAY_S = 86_400
SALES_LOG_GLOB = "crm/sales_logs*.csv"
MESSAGES_GLOB = "wecom/messages*.jsonl"
LOG_ID = "日志编号"
LOG_AT = "拜访时间"
MSG_ID = "msgid"
MSG_TIME = "msgtime"
# past the settle time by this much: a file written just now is read by the next run
SETTLE_MARGIN_S = 60.0


@dataclass(frozen=True)
class Written:
    """Files written into a landing tree and the rows they hold."""

    files: list[str]  # relative to the landing root
    rows: int


# --- landing them -------------------------------------------------------------------------------


def settle_seconds(env: dict[str, str] | None = None) -> float:
    """The settle time ingestion applies (``pipelines.ingest.discovery.settle_seconds``: the
    contract's ``landing.settle_seconds`` or ``$LASTMILE_SETTLE_SECONDS`` in ``env``): a file
    modified more recently is left for the next run."""
    from pipelines.config import CONTRACT_PATH
    from pipelines.ingest.contract import load_contract
    from pipelines.ingest.discovery import settle_seconds as ingestion_settle_seconds

    return ingestion_settle_seconds(load_contract(CONTRACT_PATH).landing, env)


def settle(paths: Iterable[Path], env: dict[str, str]) -> float:
    """Backdate ``paths`` past the settle time ingestion applies in ``env`` (plus a margin), so
    the next run reads them; the time set."""
    return backdate(paths, settle_seconds(env) + SETTLE_MARGIN_S)


def backdate(paths: Iterable[Path], seconds: float, now: float | None = None) -> float:
    """Set the access and modification times of ``paths`` to ``seconds`` before ``now`` (default:
    the clock), so ingestion's "still being written" rule no longer holds a file just written
    back. Returns the time set (epoch seconds)."""
    if seconds < 0:
        raise ValueError("seconds must not be negative")
    stamp = (time.time() if now is None else now) - seconds
    for path in paths:
        os.utime(path, (stamp, stamp))
    return stamp


# --- the pools ----------------------------------------------------------------------------------


def read_manifest(landing: Path) -> dict:
    """The sample generator's ``_manifest.json`` in ``landing``: its files and planted defects."""
    path = landing / MANIFEST
    if not path.is_file():
        raise ValueError(f"{path} is missing: the pools are the sample's own files, listed there")
    return json.loads(path.read_text(encoding="utf-8"))


def defect_rows(manifest: dict) -> dict[str, set[int]]:
    """Per landing file, the row numbers of planted defects (the manifest's numbering: CSV header
    = row 1, JSON lines 1-based)."""
    out: dict[str, set[int]] = {}
    for defect in manifest.get("defects", []):
        if defect.get("row") is not None:
            out.setdefault(defect["file"], set()).add(int(defect["row"]))
    return out


def sample_files(manifest: dict, glob: str) -> list[str]:
    """The manifest's files (key ``path``, relative to the landing root) matching ``glob``,
    sorted; a file planted whole as unreadable (a ``file_error`` defect) is left out."""
    unreadable = {d["file"] for d in manifest.get("defects", []) if d.get("expect") == "file_error"}
    return sorted(
        entry["path"]
        for entry in manifest.get("files", [])
        if fnmatch(entry["path"], glob) and entry["path"] not in unreadable
    )


def load_sales_log_pool(landing: Path) -> pl.DataFrame:
    """The company's own sales logs (all string columns, headers as written): the files the
    manifest lists, defects left out.

    A file with a planted unknown extra header keeps only the headers every file has."""
    manifest = read_manifest(landing)
    defects = defect_rows(manifest)
    files: list[tuple[list[str], list[list[str]]]] = []
    for rel in sample_files(manifest, SALES_LOG_GLOB):
        bad = defects.get(rel, set())
        with (landing / rel).open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader)
            rows = [
                row
                for number, row in enumerate(reader, start=2)
                if number not in bad and len(row) == len(header)
            ]
        files.append((header, rows))
    if not files or not any(rows for _, rows in files):
        raise ValueError(f"no sales logs in {landing / MANIFEST} matching {SALES_LOG_GLOB}")
    common = set.intersection(*(set(header) for header, _ in files))
    columns = [name for name in files[0][0] if name in common]
    if LOG_ID not in columns or LOG_AT not in columns:
        raise ValueError(f"sales logs under {landing} lack {LOG_ID} or {LOG_AT}")
    kept: list[list[str]] = []
    for header, rows in files:
        index = [header.index(name) for name in columns]
        kept.extend([row[i] for i in index] for row in rows)
    frame = pl.DataFrame(kept, schema=columns, orient="row")
    # an empty cell is written as nothing, as the CRM does (not as "")
    return frame.with_columns(pl.col(c).replace("", None) for c in columns)


def load_message_pool(landing: Path) -> list[dict]:
    """The company's own WeCom messages (parsed JSON objects): the files the manifest lists,
    defects left out."""
    manifest = read_manifest(landing)
    defects = defect_rows(manifest)
    pool: list[dict] = []
    for rel in sample_files(manifest, MESSAGES_GLOB):
        bad = defects.get(rel, set())
        with (landing / rel).open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if number in bad or not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(record, dict) and record.get(MSG_ID) and record.get(MSG_TIME):
                    pool.append(record)
    if not pool:
        raise ValueError(f"no WeCom messages in {landing / MANIFEST} matching {MESSAGES_GLOB}")
    return pool


def average_per_day(total_rows: int, start: date, end: date) -> int:
    """An average day's volume over the sample's calendar days (at least one row)."""
    days = (end - start).days + 1
    if days <= 0:
        raise ValueError(f"end {end} is before start {start}")
    return max(1, round(total_rows / days))


# --- drawing new times --------------------------------------------------------------------------


def draw_times(
    pool_seconds: np.ndarray, n: int, start: date, end: date, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """(pool row index, new epoch seconds) for ``n`` synthetic rows.

    ``pool_seconds`` are the pool rows' local wall times as seconds since 1970-01-01. A drawn row
    keeps its time of day; its day moves by whole weeks into ``[start, end]`` when the range holds
    at least one week, else it is any day of the range."""
    if n < 0:
        raise ValueError("n must not be negative")
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    first, last = (start - EPOCH).days, (end - EPOCH).days
    index = rng.integers(0, len(pool_seconds), size=n)
    seconds = pool_seconds[index]
    day, time_of_day = np.divmod(seconds, DAY_S)
    if last - first >= 6:
        low = -np.floor_divide(day - first, 7)  # ceil((first - day) / 7)
        high = np.floor_divide(last - day, 7)
        weeks = low + np.floor(rng.random(n) * (high - low + 1)).astype(np.int64)
        new_day = day + 7 * weeks
    else:
        new_day = rng.integers(first, last + 1, size=n)
    return index, new_day * DAY_S + time_of_day


def pool_seconds(values: pl.Series, fmt: str) -> np.ndarray:
    """Local wall times (strings) as int64 seconds since 1970-01-01."""
    parsed = values.str.slice(0, 19).str.strptime(pl.Datetime("us"), fmt, strict=True)
    return (parsed.dt.epoch("s")).to_numpy().astype(np.int64)


def make_ids(prefix: str, first: int, n: int) -> pl.Series:
    """``prefix`` + a 9-digit number, ``first`` … ``first + n - 1``."""
    numbers = pl.Series("id", np.arange(first, first + n, dtype=np.int64)).cast(pl.String)
    return pl.select((pl.lit(prefix) + numbers.str.zfill(9)).alias("id")).to_series()


# --- sales logs ---------------------------------------------------------------------------------


def synth_sales_logs(
    pool: pl.DataFrame,
    n: int,
    start: date,
    end: date,
    seed: int,
    id_prefix: str,
) -> Iterable[tuple[str, pl.DataFrame]]:
    """``n`` synthetic sales logs as (``YYYY-MM``, rows) per month, in time order."""
    rng = np.random.default_rng(seed)
    index, seconds = draw_times(pool_seconds(pool[LOG_AT], "%Y-%m-%d %H:%M:%S"), n, start, end, rng)
    order = np.argsort(seconds, kind="stable")
    index, seconds = index[order], seconds[order]
    months = (seconds // DAY_S).astype("datetime64[D]").astype("datetime64[M]")
    bounds = np.flatnonzero(np.diff(months.astype(np.int64))) + 1
    edges = [0, *bounds.tolist(), n]
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        if hi <= lo:
            continue
        month = str(months[lo])  # 'YYYY-MM'
        rows = pool[index[lo:hi]]
        stamps = pl.from_epoch(pl.Series(seconds[lo:hi]), time_unit="s")
        rows = rows.with_columns(
            make_ids(id_prefix, lo + 1, hi - lo).alias(LOG_ID),
            stamps.dt.strftime("%Y-%m-%d %H:%M:%S").alias(LOG_AT),
        )
        yield month, rows


def write_csv_like_crm(frame: pl.DataFrame, path: Path) -> None:
    """UTF-8 with BOM, CRLF, quoted only where needed: as the CRM export (and the sample)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.write_csv(path, include_bom=True, line_terminator="\r\n", quote_style="necessary")


def write_bulk_sales_logs(
    landing: Path,
    n: int,
    start: date,
    end: date,
    seed: int = 7,
    tag: str = "bulk",
    id_prefix: str = "SLV",
    pool: pl.DataFrame | None = None,
) -> Written:
    """Add ``n`` synthetic sales logs to ``landing`` as monthly files ``crm/sales_logs_<tag>_…``."""
    pool = load_sales_log_pool(landing) if pool is None else pool
    files, rows = [], 0
    for month, frame in synth_sales_logs(pool, n, start, end, seed, id_prefix):
        rel = f"crm/sales_logs_{tag}_{month}.csv"
        write_csv_like_crm(frame, landing / rel)
        files.append(rel)
        rows += frame.height
    return Written(files=files, rows=rows)


# --- the daily increment ------------------------------------------------------------------------


def write_day_sales_logs(
    landing: Path, day: date, n: int, seed: int, pool: pl.DataFrame | None = None
) -> Written:
    """One day's ``n`` sales logs: ``crm/sales_logs_<day>.csv``, ids ``SLD<yyyymmdd><9 digits>``,
    so days never collide with each other, the bulk files or the sample."""
    pool = load_sales_log_pool(landing) if pool is None else pool
    rel = f"crm/sales_logs_{day.isoformat()}.csv"
    parts = [frame for _, frame in synth_sales_logs(pool, n, day, day, seed, f"SLD{day:%Y%m%d}")]
    frame = pl.concat(parts) if parts else pool.head(0)
    write_csv_like_crm(frame, landing / rel)
    return Written(files=[rel], rows=frame.height)


def write_day_messages(
    landing: Path, day: date, n: int, seed: int, pool: list[dict] | None = None
) -> Written:
    """One day's ``n`` WeCom messages: ``wecom/messages_<day>.jsonl``, copies of the company's
    own messages (sender, receivers, type, content) at their time of day on ``day``, with ids
    ``wxmsgD<yyyymmdd><6 digits>``."""
    pool = load_message_pool(landing) if pool is None else pool
    rng = np.random.default_rng(seed)
    seconds = pool_seconds(
        pl.Series([record[MSG_TIME] for record in pool]).str.replace("T", " "),
        "%Y-%m-%d %H:%M:%S",
    )
    index, new_seconds = draw_times(seconds, n, day, day, rng)
    order = np.argsort(new_seconds, kind="stable")
    lines = []
    for number, position in enumerate(order, start=1):
        record = dict(pool[int(index[position])])
        stamp = datetime(1970, 1, 1) + timedelta(seconds=int(new_seconds[position]))
        record[MSG_ID] = f"wxmsgD{day:%Y%m%d}{number:06d}"
        record[MSG_TIME] = stamp.strftime("%Y-%m-%dT%H:%M:%S+08:00")
        lines.append(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
    rel = f"wecom/messages_{day.isoformat()}.jsonl"
    path = landing / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n" if lines else "", encoding="utf-8")
    return Written(files=[rel], rows=len(lines))
