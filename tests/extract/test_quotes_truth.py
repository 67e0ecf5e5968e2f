"""Precision and recall of the quote events against the quotes the generator planted in chat.

A planted quote (``_truth/quotes.jsonl``) with a model is a quote event; one without a model is
not. An extracted event is correct when its message is a planted event with the same amount
(to the fen) and model. Delivery days are scored on the correct events.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from tests.warehouses import rows_by_key

FLOOR = 0.9


def test_quote_events_precision_and_recall(pipeline_run, served_db):
    truth_path = Path(pipeline_run.settings.landing_dir) / "_truth" / "quotes.jsonl"
    planted = [json.loads(line) for line in truth_path.read_text("utf-8").splitlines() if line]
    events = {t["msgid"]: t for t in planted if t["model"]}
    conn = duckdb.connect(str(served_db), read_only=True)
    try:
        extracted = rows_by_key(
            conn,
            "select message_id, amount_cny, product_model, delivery_days, opportunity_id"
            " from marts.fct_chat_quotes",
        )
    finally:
        conn.close()
    correct = [
        m
        for m, (amount, model, _, _) in extracted.items()
        if m in events
        and abs(float(amount) - events[m]["amount_cny"]) < 0.01
        and model == events[m]["model"]
    ]
    precision = len(correct) / len(extracted)
    recall = len(correct) / len(events)
    with_delivery = [m for m in correct if events[m]["delivery_days"] is not None]
    delivery_right = [m for m in with_delivery if extracted[m][2] == events[m]["delivery_days"]]
    invented = [m for m in correct if events[m]["delivery_days"] is None and extracted[m][2]]
    matched = [m for m in correct if extracted[m][3] == events[m]["opportunity_id"]]
    print(
        f"\nquote events: planted {len(events)}, extracted {len(extracted)}, correct "
        f"{len(correct)}; precision {precision:.3f}, recall {recall:.3f}; delivery days right "
        f"{len(delivery_right)}/{len(with_delivery)}, invented {len(invented)}; opportunity "
        f"matched {len(matched)}/{len(correct)}"
    )
    assert precision >= FLOOR
    assert recall >= FLOOR
    assert len(delivery_right) >= FLOOR * len(with_delivery)
    assert not invented
    assert len(matched) >= FLOOR * len(correct)
