"""What the security matrix test (test_security_matrix.py) needs besides its tests: the logins
with their coverage, the scan of an answer for rows outside that coverage, the route inventory
and the walk of Superset's routes with real ids in place of their parameters."""

from __future__ import annotations

import html
import io
import json
import re
import subprocess
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import yaml

from tooling.bench.superset import SUPERSET_PYTHON, superset_env

HERE = Path(__file__).resolve().parent
ROUTES_FILE = HERE / "superset_routes.yaml"
NO_ACCESS = (401, 403, 405)

# What the analyst's SQL Lab query holds: the lower-case text only in its SQL, the upper-case
# one only in its results (upper() runs in DuckDB). Nobody else may meet either.
SQL_MARKER = "lastmile-sql-lab-secret"
ROW_MARKER = SQL_MARKER.upper()


@dataclass
class Login:
    role: str  # its place in the matrix: rep, rep after handover, squad lead, ...
    username: str
    session: requests.Session  # logged in through the form: cookie, CSRF token
    customers: frozenset[str] | None  # customer ids it may see now; None = all
    reps: frozenset[str] | None  # rep ids whose rows it may see (rep-scoped data); None = all
    superset_role: str
    owns_sql_lab_marker: bool = False
    # squad ids whose squad-level rows it may see (the squad scorecard); None = all
    squads: frozenset[str] | None = frozenset()


@dataclass
class Forbidden:
    """The strings an answer to a login must not hold, as one pattern."""

    pattern: re.Pattern[str] | None
    labels: dict[str, str] = field(default_factory=dict)  # string → what it is

    def find(self, text: str) -> list[str]:
        if self.pattern is None:
            return []
        return sorted({self.labels[match] for match in self.pattern.findall(text)})


def forbidden_for(login: Login, customers: dict[str, str]) -> Forbidden:
    """Customer ids and names outside the login's coverage, and the SQL Lab markers unless the
    login ran that query. customers: id → name, every customer of the served file."""
    labels: dict[str, str] = {}
    if login.customers is not None:
        own_names = [customers[own] or "" for own in login.customers if own in customers]
        for customer_id, name in customers.items():
            if customer_id in login.customers:
                continue
            labels[customer_id] = f"customer {customer_id}"
            # a name inside one the login may see (or shared with it) cannot tell them apart
            if name and not any(name in own for own in own_names):
                labels[name] = f"name of customer {customer_id}"
    if not login.owns_sql_lab_marker:
        labels[SQL_MARKER] = "the analyst's SQL Lab query text"
        labels[ROW_MARKER] = "the analyst's SQL Lab results"
    if not labels:
        return Forbidden(None)
    # ids stand alone (C001 must not match inside C0012); names and markers anywhere
    alternatives = sorted(labels, key=len, reverse=True)
    pattern = "|".join(
        rf"(?<![0-9A-Za-z_]){re.escape(text)}(?![0-9A-Za-z_])" for text in alternatives
    )
    return Forbidden(re.compile(f"(?:{pattern})"), labels)


_UNICODE_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


def readable(response: requests.Response) -> str:
    """The answer as text a person could read: JSON and HTML escapes undone, CSV decoded, the
    cells of an XLSX workbook extracted."""
    body = response.content
    if body[:2] == b"PK":  # XLSX (a ZIP): every XML part's text
        try:
            with zipfile.ZipFile(io.BytesIO(body)) as archive:
                text = " ".join(
                    archive.read(name).decode("utf-8", "replace")
                    for name in archive.namelist()
                    if name.endswith(".xml")
                )
        except zipfile.BadZipFile:
            text = body.decode("utf-8", "replace")
    else:
        text = body.decode("utf-8-sig", "replace")
    text = html.unescape(text)
    return _UNICODE_ESCAPE.sub(lambda match: chr(int(match[1], 16)), text)


# --- routes ------------------------------------------------------------------------------------


def live_routes(home: Path, served_db: Path) -> set[str]:
    """'METHOD rule' of every route the Lastmile Superset app serves."""
    done = subprocess.run(
        [str(SUPERSET_PYTHON), str(HERE / "dump_routes.py")],
        env=superset_env(home, served_db),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    rows = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return {f"{row['method']} {row['rule']}" for row in rows}


CLASSES = ("walk", "denied", "analyst", "harmless", "disabled", "broken")


def load_inventory(path: Path = ROUTES_FILE) -> dict[str, str]:
    """'METHOD rule' → class (one of CLASSES, or data:<test>)."""
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    inventory: dict[str, str] = {}
    for kind in CLASSES:
        for route in config.get(kind) or []:
            assert route not in inventory, f"{route} listed twice in {path.name}"
            inventory[route] = kind
    for test_name, routes in (config.get("data") or {}).items():
        for route in routes:
            assert route not in inventory, f"{route} listed twice in {path.name}"
            inventory[route] = f"data:{test_name}"
    return inventory


_PARAMETER = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")
# which kind of stored key a route reads, by a part of its rule (first match)
KEY_KINDS = [
    ("dashboard/permalink", "dashboard_permalink"),
    ("dashboard/p/", "dashboard_permalink"),
    ("explore/permalink", "explore_permalink"),
    ("explore/p/", "explore_permalink"),
    ("form_data", "explore_form_data"),
    ("filter_state", "filter_state"),
    ("sqllab", "sqllab_permalink"),
]


def expand(rule: str, ids: dict[str, Any]) -> list[str]:
    """The rule with each parameter replaced by real values, one path per combination, plus
    the query string ids["queries"] gives for the rule.

    ids holds values per resource (the first path segment after /api/v1/ or of a legacy view:
    chart, dataset, dashboard, query, saved_query, ...) for `pk`-like parameters, per kind of
    stored key (ids["keys"], KEY_KINDS) for keys, and per parameter name for the others. A
    datasource_type is paired with ids of that type (ids["datasource"])."""
    segments = [part for part in rule.split("/") if part and not part.startswith("<")]
    resource = segments[2] if segments[:2] == ["api", "v1"] and len(segments) > 2 else None
    resource = resource or (segments[0] if segments else "")
    paths = [rule]
    for name in _PARAMETER.findall(rule):
        if name == "datasource_id":
            continue  # filled with datasource_type
        if name == "datasource_type":
            paths = [
                _fill(_fill(path, "datasource_type", kind), "datasource_id", value)
                for path in paths
                for kind, value in ids["datasource"]
            ]
            continue
        if name in ("pk", "id_or_slug", "id_or_uuid", "dashboard_id_or_slug", "slice_id"):
            key = {"dashboard_id_or_slug": "dashboard", "slice_id": "chart"}.get(name, resource)
            values = ids.get(key) or ids["default"]
        elif name in ("key", "permalink"):
            kind = next((kind for part, kind in KEY_KINDS if part in rule), None)
            values = ids["keys"].get(kind) or ids["default"]
        else:
            values = ids.get(name) or ids["default"]
        paths = [_fill(path, name, value) for path in paths for value in values]
    query = ids.get("queries", {}).get(rule)
    return sorted({f"{path}?{query}" if query else path for path in paths})


def _fill(path: str, name: str, value: str) -> str:
    return re.sub(rf"<(?:[a-z]+:)?{name}>", value, path, count=1)


def scan(responses: Iterable[tuple[str, requests.Response]], forbidden: Forbidden) -> list[str]:
    """'where: what' for every forbidden string found in the answers."""
    found = []
    for where, response in responses:
        for what in forbidden.find(readable(response)):
            found.append(f"{where} ({response.status_code}): {what}")
    return found


def data_rows(response: requests.Response) -> list[dict[str, Any]]:
    """The rows of a chart-data answer in JSON (every query's)."""
    return [row for result in response.json()["result"] for row in result.get("data") or []]
