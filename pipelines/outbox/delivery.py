"""Write actions to the outbox once, and deliver them to a WeCom group robot with retries.

The outbox table (``ops.outbox`` in the build warehouse) keeps one row per message with its state:
``pending`` until the webhook accepts it (``delivered``), or ``failed`` after ``max_attempts``.
A message is never written twice: its id is the action name and the row's key.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl
import requests

from pipelines.config import parse_yaml

if TYPE_CHECKING:
    from pipelines.engines import Connection

CONFIG_PATH = Path(__file__).with_name("outbox.yaml")

OUTBOX_DDL = """
create schema if not exists ops;
create table if not exists ops.outbox (
    message_id varchar primary key,
    action varchar not null,
    created_at timestamp not null,
    payload varchar not null,       -- the WeCom group-robot JSON body
    status varchar not null,        -- pending | delivered | failed
    attempts integer not null,
    last_attempt_at timestamp,
    next_attempt_at timestamp,
    delivered_at timestamp,
    last_error varchar
);
"""
NEW_MESSAGE_SCHEMA = {
    "message_id": pl.String,
    "action": pl.String,
    "created_at": pl.Datetime("us"),
    "payload": pl.String,
    "status": pl.String,
    "attempts": pl.Int32,
    "next_attempt_at": pl.Datetime("us"),
}


@dataclass(frozen=True)
class Action:
    name: str
    query: str  # selects the rows to send, from the marts
    models: tuple[str, ...]  # the dbt models the query reads (the asset waits for them)
    key: tuple[str, ...]
    text: str
    mention: str | None = None  # column holding the WeCom user id to @-mention


@dataclass(frozen=True)
class OutboxConfig:
    webhook_url_env: str
    max_attempts: int
    backoff_seconds: tuple[int, ...]
    timeout_seconds: float
    actions: tuple[Action, ...]


def load_config(path: Path = CONFIG_PATH) -> OutboxConfig:
    raw = parse_yaml(path.read_text(encoding="utf-8"))
    actions = tuple(
        Action(
            name=a["name"],
            query=a["query"],
            models=tuple(a["models"]),
            key=tuple(a["key"]),
            text=a["text"],
            mention=a.get("mention"),
        )
        for a in raw.get("actions") or []
    )
    names = [a.name for a in actions]
    if len(set(names)) != len(names):
        raise ValueError(f"{path}: action names must be unique, got {names}")
    return OutboxConfig(
        webhook_url_env=raw["webhook_url_env"],
        max_attempts=int(raw["max_attempts"]),
        backoff_seconds=tuple(int(s) for s in raw["backoff_seconds"]),
        timeout_seconds=float(raw["timeout_seconds"]),
        actions=actions,
    )


def robot_payload(text: str, mention: str | None = None) -> dict:
    """A WeCom group-robot text message (msgtype text, optional @-mention by user id)."""
    body: dict = {"content": text}
    if mention:
        body["mentioned_list"] = [mention]
    return {"msgtype": "text", "text": body}


def enqueue(conn: Connection, actions: tuple[Action, ...], now: datetime) -> int:
    """Write one outbox message per action row not seen before; return how many were new."""
    conn.execute(OUTBOX_DDL)
    new = 0
    for action in actions:
        cursor = conn.execute(action.query)
        columns = [d[0] for d in cursor.description]
        found = cursor.fetchall()
        existing = {
            row[0]
            for row in conn.execute(
                "select message_id from ops.outbox where action = ?", [action.name]
            ).fetchall()
        }
        rows = []
        for values in found:
            row = dict(zip(columns, values, strict=True))
            message_id = ":".join([action.name, *(str(row[k]) for k in action.key)])
            if message_id in existing:
                continue
            text = action.text.format_map({k: "" if v is None else v for k, v in row.items()})
            mention = row.get(action.mention) if action.mention else None
            payload = json.dumps(robot_payload(text, mention), ensure_ascii=False)
            rows.append((message_id, action.name, now, payload, "pending", 0, now))
            existing.add(message_id)
        if rows:
            # one columnar insert (executemany inserts row by row: seconds per thousand)
            frame = pl.DataFrame(rows, schema=NEW_MESSAGE_SCHEMA, orient="row")
            conn.register("lastmile_new_messages", frame.to_arrow())
            conn.execute("insert into ops.outbox by name select * from lastmile_new_messages")
            conn.unregister("lastmile_new_messages")
            new += len(rows)
    return new


Post = Callable[..., requests.Response]


def _accepted(response: requests.Response) -> tuple[bool, str]:
    """WeCom answers HTTP 200 with {"errcode": 0, "errmsg": "ok"} when it took the message."""
    if response.status_code != 200:
        return False, f"HTTP {response.status_code}"
    try:
        body = response.json()
    except ValueError:
        return False, f"not JSON: {response.text[:200]}"
    if body.get("errcode") != 0:
        return False, f"errcode {body.get('errcode')}: {body.get('errmsg')}"
    return True, ""


def deliver(
    conn: Connection,
    url: str,
    config: OutboxConfig,
    now: datetime,
    post: Post = requests.post,
) -> dict[str, int]:
    """Send every pending message that is due; return counts of delivered / retried / failed."""
    conn.execute(OUTBOX_DDL)
    due = conn.execute(
        "select message_id, payload, attempts from ops.outbox "
        "where status = 'pending' and next_attempt_at <= ? order by created_at, message_id",
        [now],
    ).fetchall()
    counts = {"delivered": 0, "retried": 0, "failed": 0}
    for message_id, payload, attempts in due:
        try:
            response = post(
                url,
                data=payload.encode("utf-8"),
                headers={"Content-Type": "application/json"},
                timeout=config.timeout_seconds,
            )
            ok, error = _accepted(response)
        except requests.RequestException as exc:
            ok, error = False, f"{type(exc).__name__}: {exc}"
        attempts += 1
        if ok:
            conn.execute(
                "update ops.outbox set status = 'delivered', attempts = ?, last_attempt_at = ?, "
                "delivered_at = ?, last_error = null where message_id = ?",
                [attempts, now, now, message_id],
            )
            counts["delivered"] += 1
        elif attempts >= config.max_attempts:
            conn.execute(
                "update ops.outbox set status = 'failed', attempts = ?, last_attempt_at = ?, "
                "last_error = ? where message_id = ?",
                [attempts, now, error, message_id],
            )
            counts["failed"] += 1
        else:
            wait = config.backoff_seconds[min(attempts, len(config.backoff_seconds)) - 1]
            conn.execute(
                "update ops.outbox set attempts = ?, last_attempt_at = ?, next_attempt_at = ?, "
                "last_error = ? where message_id = ?",
                [attempts, now, now + timedelta(seconds=wait), error, message_id],
            )
            counts["retried"] += 1
    return counts
