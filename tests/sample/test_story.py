"""The company behaves like one: the planted story is visible in the landed data itself."""

from __future__ import annotations

import bisect
import re
import statistics
from collections import defaultdict
from datetime import datetime, timedelta

import pytest

from tests.sample.landing import read
from tests.sample.validate import parse_amount


def ts(text: str) -> datetime:
    text = text.replace("T", " ").replace("+08:00", "").replace("/", "-")
    d, _, t = text.partition(" ")
    y, m, dd = (int(x) for x in d.split("-"))
    parts = [int(x) for x in t.split(":")] if t else [0, 0]
    return datetime(y, m, dd, *parts)


@pytest.fixture(scope="module")
def data(landing, manifest):
    """Rows of each table that load (planted quarantine/duplicate rows left out)."""
    skip = {(d["file"], d["row"]) for d in manifest["defects"] if d["expect"] != "loaded_flagged"}
    broken = {d["file"] for d in manifest["defects"] if d["expect"] == "file_error"}
    out: dict[str, list] = defaultdict(list)
    for f in manifest["files"]:
        if not f["table"] or f["path"] in broken:
            continue
        r = read(landing, f)
        for n, row in r.rows.items():
            if (f["path"], n) in skip:
                continue
            out[f["table"]].append(
                row if isinstance(row, dict) else dict(zip(r.header, row, strict=True))
            )
    return out


@pytest.fixture(scope="module")
def people(data):
    reps = {r["工号"]: r for r in data["crm.reps"]}
    ext = {r["企业微信ID"]: r["客户编号"] for r in data["crm.contacts"]}
    owners = defaultdict(list)
    for r in sorted(data["crm.customer_ownership"], key=lambda r: r["变更时间"]):
        owners[r["客户编号"]].append((ts(r["变更时间"]), r["新负责人工号"]))
    return reps, ext, owners


def owner_at(owners, cid, t):
    hist = owners[cid]
    i = bisect.bisect_right([h[0] for h in hist], t) - 1
    return hist[max(i, 0)][1]


def test_weak_squads_answer_leads_slower(data, people, story):
    reps, ext, owners = people
    touches = defaultdict(list)
    for m in data["wecom.messages"]:
        if m["from"] in reps:
            touches[ext[m["tolist"][0]]].append(ts(m["msgtime"]))
    for g in data["crm.sales_logs"]:
        touches[g["客户编号"]].append(ts(g["拜访时间"]))
    for v in touches.values():
        v.sort()
    minutes = defaultdict(list)
    for ld in data["crm.leads"]:
        t, cid = ts(ld["创建时间"]), ld["客户编号"]
        v = touches.get(cid, [])
        i = bisect.bisect_right(v, t)
        first = (v[i] - t).total_seconds() / 60 if i < len(v) else float("inf")
        minutes[reps[owner_at(owners, cid, t)]["小队编号"] in story["weak_squads"]].append(first)
    weak, strong = statistics.median(minutes[True]), statistics.median(minutes[False])
    assert strong <= 35 < 5 * strong < weak, (strong, weak)


def test_under_reporting_reps_are_flagged_by_reverse_validation(data, people, story):
    reps, ext, _owners = people
    wecom, reported = defaultdict(set), defaultdict(set)
    for m in data["wecom.messages"]:
        if m["from"] in reps:
            wecom[(m["from"], ts(m["msgtime"]).date())].add(ext[m["tolist"][0]])
    for r in data["daily_reports.daily_reports"]:
        reported[(r["工号"], ts(r["日期"]).date())].add(r["客户编号"])
    flagged, days = defaultdict(int), defaultdict(int)
    for key in set(wecom) | set(reported):
        a, b = len(reported.get(key, ())), len(wecom.get(key, ()))
        days[key[0]] += 1
        flagged[key[0]] += (b == 0 and a > 0) or (b > 0 and abs(a - b) / b > 0.15)
    share = {rep: flagged[rep] / days[rep] for rep in days}
    under = story["under_reporting_reps"]
    assert under and all(share[r] > 0.5 for r in under), {r: share[r] for r in under}
    others = [s for r, s in share.items() if r not in under]
    assert statistics.median(others) < 0.15


def test_churned_customers_decay_first_most_of_the_time(data, story):
    churned = {r["客户编号"]: r for r in data["crm.customers"] if r["客户状态"] == "流失"}
    planted = {c["customer_id"]: c for c in story["churned_customers"]}
    assert set(churned) == set(planted)
    assert 0.6 <= story["churn_alert_coverage_planted"] <= 0.8
    proposals = defaultdict(list)
    for d in data["docs.documents_sent"]:
        if d["Document Type"] == "定制化方案":
            proposals[d["Customer ID"]].append(ts(d["Sent At"]).date())
    before = defaultdict(list)
    for cid, c in planted.items():
        end = datetime.fromisoformat(c["churned_date"]).date()
        n = sum(end - timedelta(days=60) <= d < end for d in proposals[cid])
        before[c["pattern"]].append(n)
    assert statistics.mean(before["decayed"]) < 0.5 * statistics.mean(before["sudden"])


def test_lost_deals_cluster_on_delivery_time(data, story):
    assert story["top_objection_category"] == "交付周期"
    shares = story["lost_mention_share_90d"]
    assert max(shares, key=shares.get) == "交付周期" and shares["交付周期"] >= 0.5
    lost = [o for o in data["crm.opportunities"] if o["商机阶段"] == "输单"]
    delivery = [o for o in lost if re.search("交期|货期|排产|周期太长", o["输赢原因"])]
    assert len(delivery) / len(lost) > 0.4


def test_weak_squads_fill_templates_worse_and_reuse_fewer_cases(data, people, story):
    reps, _ext, _owners = people
    weak = set(story["weak_squads"])
    placeholders, quote_rows = defaultdict(int), defaultdict(int)
    log_rep = {g["日志编号"]: g["销售工号"] for g in data["crm.sales_logs"]}
    for q in data["crm.competitor_quotes"]:
        if q["日志编号"] in log_rep:
            is_weak = reps[log_rep[q["日志编号"]]]["小队编号"] in weak
            quote_rows[is_weak] += 1
            placeholders[is_weak] += q["竞品品牌"] in ("友商", "竞品", "其他", "某品牌", "N/A")
    assert placeholders[True] / quote_rows[True] > 3 * placeholders[False] / quote_rows[False]
    needs = defaultdict(list)
    for g in data["crm.sales_logs"]:
        if g["场景模板"] == "首次拜访":
            needs[reps[g["销售工号"]]["小队编号"] in weak].append(bool(g["客户需求"]))
    assert statistics.mean(needs[True]) < statistics.mean(needs[False]) - 0.15
    uses, opps = defaultdict(int), defaultdict(int)
    for u in data["crm.case_library_uses"]:
        uses[reps[u["工号"]]["小队编号"] in weak] += 1
    for o in data["crm.opportunities"]:
        opps[reps[o["负责人工号"]]["小队编号"] in weak] += 1
    assert uses[True] / opps[True] < 0.5 * uses[False] / opps[False]


def test_handovers_and_leavers_are_in_the_crm(data, story):
    moves = {
        (r["客户编号"], r["原负责人工号"], r["新负责人工号"])
        for r in data["crm.customer_ownership"]
    }
    assert story["handovers"]
    for h in story["handovers"]:
        assert (h["customer_id"], h["from_rep_id"], h["to_rep_id"]) in moves
    left = {r["工号"]: r["离职日期"] for r in data["crm.reps"] if r["离职日期"]}
    for lv in story["leavers"]:
        assert ts(left[lv["rep_id"]]).date().isoformat() == lv["left_date"]


def test_planted_quotes_are_in_the_chat_as_written(landing, data):
    import json

    truth = [
        json.loads(x) for x in (landing / "_truth" / "quotes.jsonl").read_text("utf-8").splitlines()
    ]
    messages = {m["msgid"]: m["content"] for m in data["wecom.messages"]}
    assert len(truth) > 20
    amount_re = re.compile(r"(?:RMB\s*|¥|￥)?[\d,]+(?:\.\d+)?\s*(?:万|[wW]|元)?")
    with_model = 0
    for q in truth:
        text = messages[q["msgid"]]
        if q["model"]:
            with_model += 1
            assert q["model"] in text
        amounts = [parse_amount(a) for a in amount_re.findall(text.replace(q["model"] or "@", ""))]
        assert any(a is not None and abs(a - q["amount_cny"]) < 0.5 for a in amounts), (q, text)
        if q["delivery_days"]:
            assert re.search(r"交期|交货|到货|个月", text)
    assert with_model / len(truth) > 0.7
