"""Working days and working hours of a Chinese B2B sales team."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

# Spring Festival (春节) public holiday starts; the week after is quiet too
_SPRING_FESTIVAL = {
    2025: date(2025, 1, 28),
    2026: date(2026, 2, 15),
    2027: date(2027, 2, 5),
    2028: date(2028, 1, 25),
    2029: date(2029, 2, 12),
    2030: date(2030, 2, 2),
}


def is_holiday(d: date) -> bool:
    sf = _SPRING_FESTIVAL.get(d.year)
    if sf is not None and sf <= d < sf + timedelta(days=9):
        return True
    if d.month == 10 and d.day <= 7:  # National Day golden week
        return True
    if d.month == 1 and d.day == 1:  # New Year's Day
        return True
    return d.month == 5 and d.day <= 5  # Labour Day


def is_workday(d: date) -> bool:
    return d.weekday() < 5 and not is_holiday(d)


def workdays(start: date, end: date) -> list[date]:
    out = []
    d = start
    while d <= end:
        if is_workday(d):
            out.append(d)
        d += timedelta(days=1)
    return out


def next_workday(d: date) -> date:
    while not is_workday(d):
        d += timedelta(days=1)
    return d


def work_time(rng: random.Random, d: date) -> datetime:
    """A plausible working-hours timestamp on day d (busier mornings and afternoons)."""
    if rng.random() < 0.55:
        minutes = rng.randint(9 * 60, 11 * 60 + 50)
    else:
        minutes = rng.randint(13 * 60 + 30, 18 * 60 + 20)
    return datetime.combine(d, time(minutes // 60, minutes % 60, rng.randint(0, 59)))


def at(d: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime.combine(d, time(hour, minute, second))


def rand_day(rng: random.Random, lo: date, hi: date) -> date:
    if hi <= lo:
        return lo
    return lo + timedelta(days=rng.randint(0, (hi - lo).days))
