"""Everything the generator built, handed to the source writers."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .activity import Activity
from .company import Company
from .deals import Opp
from .engagement import Engagement
from .erp import Erp
from .leads import Lead
from .wecom import WeCom


@dataclass
class World:
    co: Company
    opps: list[Opp]
    leads: list[Lead]
    act: Activity
    erp: Erp
    eng: Engagement
    wx: WeCom
    daily: list[dict]
    sheet_reps: list[str]
    status: dict[str, str]
    levels: dict[str, str]
    natural_flags: dict[str, list] = field(default_factory=dict)


def month(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def by_month(items: list[Any], key) -> list[tuple[str, list[Any]]]:
    groups: dict[str, list[Any]] = defaultdict(list)
    for it in items:
        groups[month(key(it))].append(it)
    return sorted(groups.items())
