"""The planted story, written to ``_truth/story.json`` so tests and demos can check the boards."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import datetime, timedelta

from . import fmt as F
from . import names as N
from . import text as T
from .world import World


def story(w: World) -> dict:
    co, cfg = w.co, w.co.cfg
    S, E = cfg.start, cfg.end
    weak = [s for s in co.squads if s.weak]
    churned = [c for c in co.customers if c.churn_date and c.churn_date <= E]
    decayed = [c for c in churned if c.segment == "decay_churn"]

    # lost-deal attribution, measured the way the warehouse will (keywords over what the customer
    # said: a sales log's needs, notes and recording summary, the customer's own WeCom messages)
    comms: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    for g in w.act.logs:
        comms[g.customer_id].append((g.t, " ".join((g.needs, g.notes, g.recording))))
    ext_customer = {k.external_userid: k.customer_id for k in co.contact.values()}
    for m in w.wx.messages:
        if m["type"] != "text" or m["from"] not in ext_customer:
            continue
        comms[ext_customer[m["from"]]].append((m["t"], m["content"]))
    lost = [
        o for o in w.opps if o.outcome == "lost" and o.closed_at and S <= o.closed_at.date() <= E
    ]
    mentioned: Counter = Counter()
    planted: Counter = Counter()
    for o in lost:
        lo = o.closed_at - timedelta(days=90)
        cats = set()
        for t, text in comms[o.customer_id]:
            if lo <= t <= o.closed_at:
                cats.update(T.tagged_categories(text))
        mentioned.update(cats)
        if o.objection:
            planted[o.objection] += 1
    n_lost = max(1, len(lost))

    # lead response, as planted
    resp: dict[str, list[float]] = defaultdict(list)
    never: Counter = Counter()
    for ld in w.leads:
        sq = co.squad_of(ld.responder)
        if ld.response is None:
            never[sq] += 1
        else:
            resp[sq].append((ld.response - ld.created).total_seconds() / 60)

    # key customers as of the end date
    purchases = w.erp.purchases_12m(E)
    chain = ("decision_maker", "technical_evaluator", "procurement", "user")
    key = []
    near_key = []
    for c in co.customers:
        roles = set(c.roles())
        completeness = sum(r in roles for r in chain) / 4
        big = purchases.get(c.id, 0.0) >= 1_000_000
        if c.industry in N.KEY_INDUSTRIES and big and w.status[c.id] != "churned":
            (key if completeness >= 0.75 else near_key).append(c.id)

    # first visit -> demo conversion by region (60 days)
    first: dict[str, list] = defaultdict(list)
    demos: dict[str, list[datetime]] = defaultdict(list)
    for g in w.act.logs:
        if g.template == "first_visit" and S <= g.t.date() <= E:
            first[g.customer_id].append(g.t)
        elif g.template == "solution_demo":
            demos[g.customer_id].append(g.t)
    conv: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for cid, ts in first.items():
        r = co.customer[cid].region_id
        t0 = min(ts)
        conv[r][0] += 1
        conv[r][1] += any(t0 < d <= t0 + timedelta(days=60) for d in demos[cid])

    placeholder_by_squad: Counter = Counter()
    quote_rows_by_squad: Counter = Counter()
    for g in w.act.logs:
        sq = co.squad_of(g.rep_id)
        for qr in g.quotes:
            quote_rows_by_squad[sq] += 1
            placeholder_by_squad[sq] += qr.placeholder

    segments = Counter(c.segment for c in co.customers)
    return {
        "generator": cfg.as_json(),
        "organisation": {
            "regions": [{"region_id": r.id, "name": r.name} for r in co.regions],
            "squads": [
                {
                    "squad_id": s.id,
                    "name": s.name,
                    "region_id": s.region_id,
                    "lead_rep_id": s.lead_id,
                    "weak": s.weak,
                }
                for s in co.squads
            ],
            "sales_director": [p.id for p in co.people if p.role == "sales_director"][0],
            "sellers": len(co.sellers()),
        },
        "weak_squads": [s.id for s in weak],
        "weak_squad_traits": (
            "slow lead response (median ~3 h vs ~15 min), ~11 % of leads never answered, "
            "template fields left empty, placeholder competitor brands, missing stage evidence, "
            "few success-case-library uses, more lost deals after the first visit"
        ),
        "coached_squad": {
            "squad_id": next((s.id for s in weak if s.coached_from), None),
            "from": next((s.coached_from for s in weak if s.coached_from), None),
            "note": "process quality ramps to ~85 % of a strong squad over 60 days",
        },
        "under_reporting_reps": co.under_reporters,
        "under_reporting_note": (
            "report 45-75 % of the customers they contacted on WeCom on ~85 % of days"
        ),
        "leavers": [{**lv, "left_date": F.d_iso(lv["left_date"])} for lv in co.leavers],
        "squad_lead_leavers": [
            {**lv, "left_date": F.d_iso(lv["left_date"])} for lv in co.lead_leavers
        ],
        "squad_lead_leaver_note": (
            "a squad lead leaves with nobody in their place and their customers not handed over: "
            "from the left day those customers, their alerts and task packs wait in 待分配"
        ),
        "stale_assignments": [
            {"customer_id": c.id, "rep_id": c.owners[0][1], "assigned_at": F.ts_iso(c.owners[0][0])}
            for c in co.customers
            if co.person[c.owners[0][1]].left and c.created.date() >= co.person[c.owners[0][1]].left
        ],
        "stale_assignment_note": (
            "customers the CRM assigned to a rep on or after the rep's left day and never handed "
            "over: the warehouse gives them, their alerts and their leads to the squad lead"
        ),
        "handovers": [{**h, "handed_over_at": F.ts_iso(h["handed_over_at"])} for h in co.handovers],
        "top_objection_category": "交付周期",
        "objection_keywords": T.OBJECTION_KEYWORDS,
        "lost_opportunities": len(lost),
        "lost_reason_planted_share": {k: round(v / n_lost, 3) for k, v in planted.most_common()},
        "lost_mention_share_90d": {k: round(v / n_lost, 3) for k, v in mentioned.most_common()},
        "lost_mention_note": (
            "share of lost opportunities (closed in the period) whose customer's words in the 90 "
            "days before closing contain a keyword of the category: the sales logs' needs, notes "
            "and recording summary and the customer's own WeCom text messages (a rep's quote "
            "message mentioning 交期 does not count)"
        ),
        "churned_customers": [
            {
                "customer_id": c.id,
                "churned_date": F.d_iso(c.churn_date),
                "pattern": "decayed" if c.segment == "decay_churn" else "sudden",
                "decay_start": F.d_iso(c.decay_start) if c.decay_start else None,
            }
            for c in sorted(churned, key=lambda c: c.id)
        ],
        "churn_alert_coverage_planted": round(len(decayed) / max(1, len(churned)), 3),
        "churn_note": (
            "decayed churners lose long technical exchanges, customised proposals and "
            "decision-maker interactions, get late deliveries and pay late from decay_start "
            "(90-170 days before churn), so they turn red weeks before churning; sudden "
            "churners stay green until the churn date"
        ),
        "recovering_customers": [c.id for c in co.customers if c.segment == "decay_recover"],
        "customer_segments": dict(sorted(segments.items())),
        "key_customers": sorted(key),
        "near_key_customers_incomplete_chain": sorted(near_key),
        "first_visit_to_demo_conversion": {
            r: {"first_visits": v[0], "with_demo_60d": v[1], "rate": round(v[1] / max(1, v[0]), 3)}
            for r, v in sorted(conv.items())
        },
        "lead_response_minutes_by_squad": {
            sq: {
                "answered": len(v),
                "never_answered": never[sq],
                "median": round(statistics.median(v), 1) if v else None,
            }
            for sq, v in sorted(resp.items())
        },
        "placeholder_competitor_rows_by_squad": {
            sq: {"rows": quote_rows_by_squad[sq], "placeholders": placeholder_by_squad[sq]}
            for sq in sorted(quote_rows_by_squad)
        },
        "health_warmup_note": (
            "events start on the start date: H2/H3 windows (30 days) are only meaningful from "
            "start + 29 days, H1 (180 days) after each customer's first technical exchange "
            "(scheduled in the first 3 weeks)"
        ),
    }
