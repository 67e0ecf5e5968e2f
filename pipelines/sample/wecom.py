"""WeCom (企业微信): external-contact events and archived chat messages (会话内容存档).

Every touch becomes a short conversation. Quote messages carry amount, model and delivery period
in everyday Chinese; the planted values go to ``_truth/quotes.jsonl``.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, timedelta

from . import text as T
from .activity import Touch
from .company import Company, Simulator
from .leads import Lead


class WeCom(Simulator):
    def __init__(self, co: Company, rng: random.Random) -> None:
        super().__init__(co, rng)
        self.messages: list[dict] = []
        self.events: list[dict] = []
        self.quotes: list[dict] = []

    def lead_touches(self, leads: list[Lead]) -> list[Touch]:
        out = []
        for ld in leads:
            if ld.response is None or ld.response > self.end_dt:
                continue
            k = self.co.contact[ld.contact_id]
            c = self.co.customer[ld.customer_id]
            name = self.co.person[ld.responder].name
            text = self.rng.choice(T.LEAD_HELLO).format(
                co=T.OUR_COMPANY,
                name=name,
                p=ld.product,
                h=T.honorific(k.name, k.role),
                city=c.city,
            )
            out.append(Touch(ld.response, ld.responder, k, "lead", text, voip=ld.touch == "voip"))
            if c.segment == "prospect" and ld.contact_id == c.contacts[0].id:
                self._event(
                    ld.response - timedelta(seconds=30),
                    ld.responder,
                    k,
                    "add_external_contact",
                    ld.qr_code,
                )
        return out

    def contact_events(self) -> None:
        """Adds for contacts created during the period, adds after handovers, deletes on churn."""
        co, rng = self.co, self.rng
        S = datetime.combine(co.cfg.start, datetime.min.time())
        for c in co.customers:
            if c.segment == "prospect":
                continue
            for k in c.contacts:
                if S <= k.created <= self.end_dt and k.source != "qr_scan":
                    t = k.created + timedelta(minutes=rng.randint(5, 600))
                    if t <= self.end_dt:
                        self._event(t, c.owner_at(t), k, "add_external_contact", "")
            if c.churn_date and c.churn_date <= co.cfg.end:
                t = datetime.combine(c.churn_date, datetime.min.time()) + timedelta(
                    hours=rng.uniform(9, 20)
                )
                k = c.contacts[0]
                self._event(t, c.owner_at(t), k, "del_follow_user", "")
        for h in co.handovers:
            t = h["handed_over_at"]
            if t < S or t > self.end_dt:
                continue
            c = co.customer[h["customer_id"]]
            for k in c.contacts:
                if k.created <= t:
                    tt = t + timedelta(minutes=rng.randint(10, 60 * 48))
                    if tt <= self.end_dt:
                        self._event(tt, h["to_rep_id"], k, "add_external_contact", "")
        # occasional remark edits
        for c in co.customers:
            for k in c.contacts:
                if rng.random() < 0.05:
                    t = S + timedelta(
                        minutes=rng.randint(0, int((self.end_dt - S).total_seconds() // 60))
                    )
                    if k.created <= t and c.is_live(t.date()):
                        self._event(t, c.owner_at(t), k, "edit_external_contact", "")

    def _event(self, t: datetime, rep: str, k, change: str, state: str) -> None:
        self.events.append(
            {
                "t": t,
                "rep": rep,
                "external_userid": k.external_userid,
                "change": change,
                "state": state,
            }
        )

    def render(self, touches: list[Touch]) -> None:
        rng = self.rng
        msgs: list[tuple] = []
        for tc in touches:
            if tc.t > self.end_dt:
                continue
            c = self.co.customer[tc.contact.customer_id]
            if not c.is_live(tc.t.date()):
                continue
            rep, ext = tc.rep_id, tc.contact.external_userid
            live = tc.contact.created <= tc.t
            if not live:
                continue
            if tc.inbound:
                msgs.append((tc.t, ext, rep, "text", tc.text, None, None))
                reply = "理解，我马上跟公司确认一下，尽快给您答复"
                rt = tc.t + timedelta(minutes=rng.randint(2, 90))
                msgs.append((rt, rep, ext, "text", reply, None, None))
                continue
            if tc.voip:
                msgs.append((tc.t, rep, ext, "voip", "", rng.randint(40, 900), None))
                continue
            if tc.file:
                msgs.append((tc.t - timedelta(seconds=20), rep, ext, "file", tc.file, None, None))
            msgs.append((tc.t, rep, ext, "text", tc.text, None, tc.quote))
            if rng.random() < 0.65:
                rt = tc.t + timedelta(minutes=rng.randint(1, 120))
                msgs.append((rt, ext, rep, "text", rng.choice(T.REPLIES), None, None))
        msgs.sort(key=lambda m: (m[0], m[1], m[2], m[4]))
        for i, (t, frm, to, mtype, content, dur, quote) in enumerate(msgs, start=1):
            mid = f"wxmsg{i:09d}"
            self.messages.append(
                {
                    "id": mid,
                    "t": t,
                    "from": frm,
                    "to": to,
                    "type": mtype,
                    "content": content,
                    "dur": dur,
                }
            )
            if quote is not None:
                self.quotes.append({"msgid": mid, **quote})
        self.events.sort(key=lambda e: (e["t"], e["rep"], e["external_userid"]))
        for i, e in enumerate(self.events, start=1):
            e["id"] = f"wxevt{i:08d}"

    def contacted(self) -> dict[tuple[str, date], list[str]]:
        """(rep, day) -> distinct customers of the external contacts the rep contacted that day."""
        by_ext = {k.external_userid: k.customer_id for k in self.co.contact.values()}
        reps = {p.id for p in self.co.people}
        out: dict[tuple[str, date], set[str]] = defaultdict(set)
        for m in self.messages:
            if m["from"] in reps:
                out[(m["from"], m["t"].date())].add(by_ext[m["to"]])
        return {k: sorted(v) for k, v in out.items()}
