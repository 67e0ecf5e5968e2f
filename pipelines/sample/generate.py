"""Build the sample company and write its landing tree."""

from __future__ import annotations

import random
import shutil
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

from .activity import Activity
from .company import build_company
from .config import Config
from .deals import build_opps
from .defects import Flag, Planter
from .engagement import Engagement
from .erp import Erp
from .leads import existing_leads, number_leads, prospect_leads
from .manifest import defect_entries, dump_json, dump_jsonl, file_entry
from .reports import daily_reports, sheet_reps
from .sources import crm, docs, erp, meetings, rep_sheets, social, wecom
from .sources import daily_reports as daily_src
from .story import story
from .tables import Table
from .wecom import WeCom
from .world import World
from .writers import write_table


def build_world(cfg: Config) -> World:
    seed = cfg.seed
    S = datetime.combine(cfg.start, datetime.min.time())
    end_dt = datetime.combine(cfg.end, datetime.max.time()).replace(microsecond=0)
    co = build_company(cfg)

    # prospects arrive through leads; answered ones get an opportunity
    rng_leads = random.Random(f"{seed}:leads")
    p_leads = prospect_leads(co, rng_leads)
    starts = {
        ld.customer_id: (ld, ld.response)
        for ld in p_leads
        if ld.response is not None and ld.response <= end_dt
    }
    opps = build_opps(co, random.Random(f"{seed}:deals"), starts)
    for o in sorted(opps, key=lambda o: o.closed_at or end_dt):
        c = co.customer[o.customer_id]
        if o.outcome == "won" and c.active_from is None:
            c.active_from = o.closed_at.date()

    act = Activity(co, random.Random(f"{seed}:activity"))
    for o in opps:
        act.opportunity(o)
    erp_ = Erp(co, random.Random(f"{seed}:erp"))
    erp_.build(act)
    act.after_sales(erp_.repairs)
    act.follow_up_tasks()
    act.number()

    eng = Engagement(co, random.Random(f"{seed}:engagement"))
    for c in co.customers:
        eng.customer(c)
    for o in opps:
        eng.opportunity(o)
    eng.internal()

    wx = WeCom(co, random.Random(f"{seed}:wecom"))
    wx.contact_events()
    touches = [t for t in act.touches + eng.touches if S <= t.t <= end_dt]

    # leads on existing customers, in quiet windows (nobody touches the customer before the answer)
    busy: dict[str, list[datetime]] = defaultdict(list)
    for t in touches:
        busy[t.contact.customer_id].append(t.t)
        if t.inbound:
            busy[t.contact.customer_id].append(t.t + timedelta(minutes=90))
    for g in act.logs:
        busy[g.customer_id].append(g.t)
    by_ext = {k.external_userid: k.customer_id for c in co.customers for k in c.contacts}
    for e in wx.events:
        busy[by_ext[e["external_userid"]]].append(e["t"])
    for v in busy.values():
        v.sort()
    last_contact = max(int(k.id[2:]) for c in co.customers for k in c.contacts)
    e_leads, _new = existing_leads(co, rng_leads, len(p_leads), busy, last_contact)
    co.contact = {k.id: k for c in co.customers for k in c.contacts}
    leads = p_leads + e_leads
    number_leads(leads)
    _link_leads(opps, leads)

    touches += wx.lead_touches(leads)
    wx.render(touches)
    daily = daily_reports(co, random.Random(f"{seed}:daily"), wx.contacted())
    reps_with_sheets = sheet_reps(co, random.Random(f"{seed}:sheets"))

    status = {}
    for c in co.customers:
        if c.churn_date and c.churn_date <= cfg.end:
            status[c.id] = "churned"
        elif c.active_from is not None:
            status[c.id] = "active"
        else:
            status[c.id] = "prospect"
    return World(co, opps, leads, act, erp_, eng, wx, daily, reps_with_sheets, status, act.levels)


def _link_leads(opps, leads) -> None:
    by_customer = defaultdict(list)
    for o in opps:
        by_customer[o.customer_id].append(o)
    for ld in leads:
        for o in by_customer[ld.customer_id]:
            if o.lead is ld:
                ld.opportunity_id = o.id
                break
            if (
                o.lead is None
                and ld.response is not None
                and ld.created <= o.created <= ld.created + timedelta(days=30)
            ):
                o.lead = ld
                ld.opportunity_id = o.id
                break


def build_tables(w: World) -> list[Table]:
    return [
        *crm.tables(w),
        *erp.tables(w),
        *meetings.tables(w),
        *docs.tables(w),
        *social.tables(w),
        *wecom.tables(w),
        *daily_src.tables(w),
        *rep_sheets.tables(w),
    ]


def generate(cfg: Config) -> dict:
    """Generate the landing tree under cfg.out; returns the manifest."""
    _check_target(Path(cfg.out))
    w = build_world(cfg)
    tables = build_tables(w)
    truth = {"story.json": story(w)}
    manifest = write_all(cfg, tables, w.natural_flags, truth)
    dump_jsonl(Path(cfg.out) / "_truth" / "quotes.jsonl", w.wx.quotes)
    return manifest


def write_all(
    cfg: Config,
    tables: list[Table],
    natural_flags: dict[str, list[Flag]],
    truth: dict[str, object],
) -> dict:
    root = Path(cfg.out)
    _prepare(root)
    rng = random.Random(f"{cfg.seed}:defects")
    planter = Planter(rng, cfg.defect_rate)
    flags: dict[str, list[Flag]] = {t.path: list(natural_flags.get(t.path, [])) for t in tables}
    if cfg.defect_rate > 0:
        cands = [t for t in tables if t.fmt in ("csv", "xlsx") and len(t.rows) > 5]
        k = min(len(cands), max(1, round(len(cands) * cfg.defect_rate * 5)))
        for t in rng.sample(cands, k):
            planter.add_extra_header(t, flags[t.path])
    files, defects = [], []
    for t in tables:
        planter.plant(t, flags[t.path])
        write_table(root, t)
        files.append(file_entry(t))
        defects.extend(defect_entries(t, flags[t.path]))
    if cfg.file_defects:
        from .defects import file_defects

        f2, d2 = file_defects(root, tables, rng)
        files += f2
        defects += d2
    manifest = {"generator": cfg.as_json(), "files": files, "defects": defects}
    dump_json(root / "_manifest.json", manifest)
    for name, obj in truth.items():
        dump_json(root / "_truth" / name, obj)
    return manifest


def _check_target(root: Path) -> None:
    if root.exists() and any(root.iterdir()) and not (root / "_manifest.json").exists():
        raise SystemExit(
            f"{root} is not empty and holds no _manifest.json: refusing to overwrite it"
        )


def _prepare(root: Path) -> None:
    """Empty a previous landing tree written by this generator; never touch anything else."""
    _check_target(root)
    if root.exists():
        for child in root.iterdir():
            if child.is_dir():
                shutil.rmtree(child)
            else:
                child.unlink()
    root.mkdir(parents=True, exist_ok=True)
