"""CLI for the sample company.

    python -m pipelines.sample --seed 42 --scale 1 --start 2025-11-01 --end 2026-10-31 \
        --out var/landing [--defect-rate 0.01] [--file-defects]
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

from .config import Config
from .generate import generate


def parse_args(argv: list[str] | None = None) -> Config:
    p = argparse.ArgumentParser(
        prog="python -m pipelines.sample",
        description="Write the landing tree of a deterministic sample company.",
    )
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--scale", type=float, default=1.0, help="1 = ~30 reps, ~2,000 customers")
    p.add_argument("--start", type=date.fromisoformat, default=date(2025, 11, 1))
    p.add_argument("--end", type=date.fromisoformat, default=date(2026, 10, 31))
    p.add_argument("--out", type=Path, default=Path("var/landing"))
    p.add_argument("--defect-rate", type=float, default=0.01, help="share of rows with a defect")
    p.add_argument(
        "--file-defects",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="also write unreadable / undecodable / unmatched files (they fail their asset)",
    )
    a = p.parse_args(argv)
    if a.end <= a.start:
        p.error("--end must be after --start")
    if a.scale <= 0:
        p.error("--scale must be positive")
    if not 0 <= a.defect_rate < 0.5:
        p.error("--defect-rate must be in [0, 0.5)")
    return Config(a.seed, a.scale, a.start, a.end, a.out, a.defect_rate, a.file_defects)


def main(argv: list[str] | None = None) -> int:
    cfg = parse_args(argv)
    t0 = time.perf_counter()
    m = generate(cfg)
    rows = sum(f["rows"] for f in m["files"])
    print(
        f"wrote {len(m['files'])} files, {rows:,} rows, {len(m['defects'])} planted defects "
        f"to {cfg.out} in {time.perf_counter() - t0:.1f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
