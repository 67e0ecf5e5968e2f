"""Build the sample company and write its landing tree."""

from __future__ import annotations

import random
import shutil
from datetime import datetime
from pathlib import Path

from . import crm
from .company import build_company
from .config import Config
from .deals import build_opps
from .defects import Flag, Planter
from .manifest import defect_entries, dump_json, file_entry
from .tables import Table
from .writers import write_table


def generate(cfg: Config) -> dict:
    """Generate the landing tree under cfg.out; returns the manifest."""
    co = build_company(cfg)
    rng = random.Random(f"{cfg.seed}:deals")
    lead_times = {
        c.id: (f"LD{i:06d}", c.created)
        for i, c in enumerate([c for c in co.customers if c.segment == "prospect"], start=1)
    }
    opps = build_opps(co, rng, lead_times)
    for o in opps:
        c = co.customer[o.customer_id]
        if o.outcome == "won" and c.active_from is None:
            c.active_from = o.closed_at.date()

    status = {}
    for c in co.customers:
        if c.churn_date and c.churn_date <= cfg.end:
            status[c.id] = "churned"
        elif c.active_from is not None:
            status[c.id] = "active"
        else:
            status[c.id] = "prospect"
    levels = {c.id: c.level for c in co.customers}

    tables: list[Table] = [
        crm.regions(co),
        crm.squads(co),
        crm.reps(co),
        crm.customers(co, status, levels),
        crm.opportunities(co, opps),
    ]
    return write_all(cfg, tables, {}, {})


def write_all(
    cfg: Config,
    tables: list[Table],
    natural_flags: dict[str, list[Flag]],
    truth: dict[str, object],
) -> dict:
    root = Path(cfg.out)
    _prepare(root)
    planter = Planter(random.Random(f"{cfg.seed}:defects"), cfg.defect_rate)
    files, defects = [], []
    for t in tables:
        flags = list(natural_flags.get(t.path, []))
        planter.plant(t, flags)
        write_table(root, t)
        files.append(file_entry(t))
        defects.extend(defect_entries(t, flags))
    manifest = {"generator": cfg.as_json(), "files": files, "defects": defects}
    dump_json(root / "_manifest.json", manifest)
    for name, obj in truth.items():
        dump_json(root / "_truth" / name, obj)
    return manifest


def _prepare(root: Path) -> None:
    """Empty a previous landing tree written by this generator; never touch anything else."""
    if root.exists() and any(root.iterdir()):
        if not (root / "_manifest.json").exists():
            raise SystemExit(
                f"{root} is not empty and holds no _manifest.json: refusing to overwrite it"
            )
        for child in root.iterdir():
            if child.is_dir():
                shutil.rmtree(child)
            else:
                child.unlink()
    root.mkdir(parents=True, exist_ok=True)


__all__ = ["generate", "datetime"]
