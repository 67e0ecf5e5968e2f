"""What each role reads, chart by chart, through the chart-data API as that role's login: every
chart of every board of the role answers rows (no role meets an empty chart because of its
permissions), and no value a person reads is a raw code, an English status word, true/false or
an empty cell the table would show as N/A. Ids may appear only as details (a `*_id` column;
test_bundle checks a name column stands beside them). Each role lists exactly its own boards."""

from __future__ import annotations

import csv
import json
import re
from typing import Any

import pytest
import requests
import yaml

from tests.dashboards.helpers import (
    DASHBOARDS_DIR,
    REPO_ROOT,
    Bundle,
    SupersetServer,
    query_served_db,
)
from tooling.bench.superset import board_roles, ids_by_uuid, role_login

pytestmark = pytest.mark.superset

SEEDS = REPO_ROOT / "dbt_project" / "seeds"
SECURITY = yaml.safe_load((DASHBOARDS_DIR / "security.yaml").read_text(encoding="utf-8"))
ROLES = list(SECURITY["roles"])
# a lower-case ASCII word: channel_partner, qr_scan, medium, rep, red, assigned, true …
RAW_CODE = re.compile(r"^[a-z][a-z0-9_]*$")
ENGLISH = {"N/A", "None", "null", "NaN", "nan", "True", "False", "NULL"}


def _seed_column(name: str, column: str) -> set[str]:
    with (SEEDS / f"{name}.csv").open(encoding="utf-8") as handle:
        return {row[column] for row in csv.DictReader(handle)}


@pytest.fixture(scope="module")
def codes(superset_server: SupersetServer) -> set[str]:
    """Every code the source systems and the seeds use where the boards show names."""
    served = superset_server.served_db
    known = _seed_column("code_labels", "code")
    known |= _seed_column("health_indicators", "indicator_code")
    known |= _seed_column("opportunity_stages", "stage_code")
    known |= _seed_column("sales_log_templates", "template_code")
    known |= _seed_column("lead_task_templates", "task_code")
    for sql in (
        "select distinct region_id from marts.dim_customers",
        "select rep_id from marts.dim_sales_staff",
        "select distinct squad_id from marts.dim_sales_staff",
    ):
        known |= {row[0] for row in query_served_db(served, sql) if row[0]}
    return known


def _problems(name: str, chart: dict, results: list[dict], codes: set[str]) -> list[str]:
    """What a person would read wrongly in one chart's answer."""
    data = results[0]["data"]
    params = chart["params"]
    is_table = chart["viz_type"] == "table"
    plain = {params.get("x_axis"), *(params.get("metrics") or [])}
    problems = []

    def check(where: str, value: Any) -> None:
        if isinstance(value, bool):
            problems.append(f"{where}: {value} (shows true/false)")
        elif value is None:
            if is_table:
                problems.append(f"{where}: empty (shows N/A)")
        elif isinstance(value, str):
            parts = [part.strip() for part in re.split(r"[,、]", value)]
            if value in ENGLISH or RAW_CODE.match(value) or all(p in codes for p in parts):
                problems.append(f"{where}: {value!r} (a code, not a name)")

    pivoted = chart["viz_type"].startswith("echarts_timeseries")
    for row in data:
        for column, value in row.items():
            if column.endswith("_id"):
                continue  # a detail beside its name
            if pivoted and column not in plain:
                check(f"{name} series", column)  # a series' name is its legend entry
                continue
            if isinstance(value, int | float) and not isinstance(value, bool):
                continue  # numbers are formatted by the chart
            check(f"{name} {column}", value)
    return sorted(set(problems))[:10]


def _role_session(server: SupersetServer, role: str) -> tuple[str, requests.Session]:
    username = role_login(server.served_db, role)
    return username, server.api(username, server.user_password(username))


def _boards(bundle: Bundle, role: str) -> list[dict]:
    boards = SECURITY["roles"][role]["boards"]
    return [d for d in bundle.dashboards.values() if boards == "all" or d["slug"] in boards]


@pytest.mark.parametrize("role", ROLES)
def test_every_chart_of_a_roles_boards_answers_in_names_not_codes(
    role: str, superset_server: SupersetServer, bundle: Bundle, codes: set[str]
) -> None:
    base = superset_server.base_url
    admin = superset_server.api()
    chart_ids = ids_by_uuid(admin, base, "chart")
    dataset_ids = ids_by_uuid(admin, base, "dataset")
    dashboard_ids = ids_by_uuid(admin, base, "dashboard")
    username, session = _role_session(superset_server, role)
    problems: list[str] = []
    charts = 0
    for dashboard in _boards(bundle, role):
        for chart_uuid in bundle.chart_uuids(dashboard):
            chart = bundle.charts[chart_uuid]
            name = f"{dashboard['slug']} / {chart['slice_name']}"
            body = json.loads(chart["query_context"])
            body["datasource"]["id"] = dataset_ids[chart["dataset_uuid"]]
            body["form_data"].update(
                slice_id=chart_ids[chart_uuid], dashboardId=dashboard_ids[dashboard["uuid"]]
            )
            response = session.post(f"{base}/api/v1/chart/data", json=body, timeout=60)
            charts += 1
            if response.status_code != 200:
                problems.append(f"{name}: HTTP {response.status_code} {response.text[:200]}")
                continue
            results = response.json()["result"]
            if not results[0]["data"]:
                problems.append(f"{name}: no rows for {username}")
                continue
            problems += _problems(name, chart, results, codes)
    assert charts, f"{role} has no chart"
    assert not problems, f"{role} ({username}), {len(problems)} problems:\n" + "\n".join(problems)


@pytest.mark.parametrize("role", ROLES)
def test_a_role_lists_and_opens_only_its_own_boards(
    role: str, superset_server: SupersetServer, bundle: Bundle
) -> None:
    """Dashboard roles (DASHBOARD_RBAC): a rep lists only 我的工作台, a squad lead only 小队看板,
    managers the company boards; a board of another role does not open."""
    base = superset_server.base_url
    _, session = _role_session(superset_server, role)
    response = session.get(
        f"{base}/api/v1/dashboard/", params={"q": "(columns:!(slug),page_size:100)"}, timeout=30
    )
    response.raise_for_status()
    listed = {row["slug"] for row in response.json()["result"]}
    own = {d["slug"] for d in _boards(bundle, role)}
    assert listed == own
    for slug in {d["slug"] for d in bundle.dashboards.values()} - own:
        response = session.get(f"{base}/api/v1/dashboard/{slug}", timeout=30)
        assert response.status_code in (403, 404), f"{role} opens {slug}: {response.status_code}"
    # the bench and the browser tests draw each board as a role that lists it
    assert {slug for slug, reader in board_roles().items() if reader == role} <= own
