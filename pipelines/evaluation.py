"""The evaluation day (评估日) of a run: the one day every "as of" figure is computed for.

A run evaluates the day named by its Dagster run tag ``lastmile/evaluation_date`` (YYYY-MM-DD);
``python -m pipelines.run --as-of``, the schedules and the landing sensor set it when they create
the run. A run without the tag (launched from the UI, say) evaluates ``LASTMILE_AS_OF`` when set,
else its own date in the reporting time zone — the landing contract's ``timezone``
(Asia/Shanghai) — and the dbt step then tags the run with the day it used. dbt receives it as the
var ``evaluation_date`` (``dbt_project/macros/evaluation.sql``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from pipelines.config import CONTRACT_PATH, parse_yaml

if TYPE_CHECKING:
    from pipelines.engines import Connection

EVALUATION_TAG = "lastmile/evaluation_date"
ENV_VAR = "LASTMILE_AS_OF"
DEFAULT_TIME_ZONE = "Asia/Shanghai"


def parse_day(text: str, what: str = "evaluation date") -> date:
    """A day written YYYY-MM-DD, or a ValueError naming ``what`` and the text."""
    try:
        if len(text.strip()) != 10:
            raise ValueError
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{what} {text!r} is not a day written YYYY-MM-DD") from None


def reporting_time_zone(contract_path: Path = CONTRACT_PATH) -> str:
    """The local time zone of the sources (the landing contract's ``timezone``)."""
    raw = parse_yaml(contract_path.read_text(encoding="utf-8")) or {}
    return str(raw.get("timezone") or DEFAULT_TIME_ZONE)


def default_evaluation_date(
    env: Mapping[str, str] | None = None, now: datetime | None = None
) -> date:
    """``LASTMILE_AS_OF`` when set, else today in the reporting time zone."""
    env = os.environ if env is None else env
    if env.get(ENV_VAR, "").strip():
        return parse_day(env[ENV_VAR], ENV_VAR)
    zone = ZoneInfo(reporting_time_zone())
    moment = now.astimezone(zone) if now is not None else datetime.now(zone)
    return moment.date()


def evaluation_date_of_run(
    tags: Mapping[str, str], env: Mapping[str, str] | None = None, now: datetime | None = None
) -> date:
    """The day a run evaluates: its tag, else the default."""
    if tags.get(EVALUATION_TAG):
        return parse_day(tags[EVALUATION_TAG], f"run tag {EVALUATION_TAG}")
    return default_evaluation_date(env, now)


def evaluation_tags(day: date) -> dict[str, str]:
    return {EVALUATION_TAG: day.isoformat()}


def dbt_vars(day: date) -> str:
    """The ``--vars`` argument of a dbt invocation evaluating ``day``."""
    return f'{{"evaluation_date": "{day.isoformat()}"}}'


def days_between(first: date, last: date) -> list[date]:
    """Every day from ``first`` to ``last``, both included (a backfill's runs, in order)."""
    if last < first:
        raise ValueError(f"the range ends ({last}) before it starts ({first})")
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]


def built_evaluation_date(conn: Connection, catalog: str) -> date | None:
    """The evaluation day the models in ``catalog`` (an attached build file) were last built for;
    None when they were never built."""
    found = conn.execute(
        "select table_schema from information_schema.tables "
        "where table_catalog = ? and table_name = 'int_evaluation_date'",
        [catalog],
    ).fetchone()
    if found is None:
        return None
    row = conn.execute(
        f'select evaluation_date from "{catalog}"."{found[0]}".int_evaluation_date'
    ).fetchone()
    return row[0] if row else None
