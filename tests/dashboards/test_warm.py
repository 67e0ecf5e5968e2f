"""Cache warming after a publish (dashboards/warm.py) on a real Superset: every scope's first
visit is a cache hit, and a warmed answer is never another scope's."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from typing import Any

import pytest

from pipelines.config import REPO_ROOT
from tests.dashboards.helpers import SupersetServer, query_served_db
from tooling.bench.superset import DASHBOARDS_DIR, SUPERSET_PYTHON, superset_env

pytestmark = pytest.mark.superset

GRANTED_NOW = """
select rep_id, list(distinct customer_name order by customer_name)
from marts.fct_access_grants as grants
join marts.dim_customers using (customer_id)
where grants.valid_from <= timezone('Asia/Shanghai', now())
  and (grants.valid_to is null or grants.valid_to > timezone('Asia/Shanghai', now()))
  and rep_id in (select rep_id from marts.dim_sales_staff where is_active and rep_role = 'rep')
group by rep_id order by rep_id
"""
MY_CUSTOMERS = "我的客户（评估日健康状态与证据）"  # my-board, fct_customer_health_current
RED_EVIDENCE = "红色客户的指标证据（评估日）"  # customer-health, the same dataset, every row


def _publish_again(served_db) -> None:
    """What the publish step does to the served file: a new file swapped in, so every cached
    answer belongs to the old version."""
    staging = served_db.with_name(served_db.name + ".test-warm")
    shutil.copyfile(served_db, staging)
    os.replace(staging, served_db)


def _charts(admin, base: str, slug: str) -> dict[str, dict[str, Any]]:
    """Chart name → the chart-data request its board sends."""
    board = admin.get(f"{base}/api/v1/dashboard/{slug}", timeout=30).json()["result"]
    listed = admin.get(f"{base}/api/v1/dashboard/{slug}/charts", timeout=30).json()["result"]
    out = {}
    for chart in listed:
        detail = admin.get(f"{base}/api/v1/chart/{chart['id']}", timeout=30).json()["result"]
        body = json.loads(detail["query_context"])
        body["force"] = False
        body["form_data"].update(slice_id=chart["id"], dashboardId=board["id"])
        out[chart["slice_name"]] = body
    return out


def _ask(session, base: str, body: dict[str, Any]) -> tuple[bool, list[dict[str, Any]], int]:
    """(answered from the cache, the rows of the page a board shows, the rows in all)."""
    response = session.post(f"{base}/api/v1/chart/data", json=body, timeout=120)
    assert response.status_code == 200, response.text[:500]
    results = response.json()["result"]
    assert not any(r.get("error") for r in results), results
    # a paginated table asks for its page and for the count (Superset's rowcount query)
    total = (
        next(iter(results[1]["data"][0].values())) if len(results) > 1 else results[0]["rowcount"]
    )
    return all(r["is_cached"] for r in results), results[0]["data"], total


def _warm(server: SupersetServer) -> str:
    done = subprocess.run(
        [str(SUPERSET_PYTHON), str(DASHBOARDS_DIR / "warm.py"), "--url", server.base_url],
        cwd=REPO_ROOT,
        env=superset_env(server.home, server.served_db),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def test_warming_fills_every_scope_and_never_crosses_them(
    superset_server: SupersetServer,
) -> None:
    server, base = superset_server, superset_server.base_url
    granted = dict(query_served_db(server.served_db, GRANTED_NOW))
    reps = sorted(rep for rep, customers in granted.items() if customers)
    rep_a = reps[0]
    rep_b = next(rep for rep in reps[1:] if not set(granted[rep]) & set(granted[rep_a]))
    admin = server.api()
    my_board = _charts(admin, base, "my-board")
    health = _charts(admin, base, "customer-health")

    _publish_again(server.served_db)
    out = _warm(server)
    assert " 0 failed" in out, out[-2000:]

    # each rep's first visit is a hit, and the hit holds that rep's customers only
    seen = {}
    for rep in (rep_a, rep_b):
        session = server.api(rep, server.user_password(rep))
        for name, body in my_board.items():
            cached, _, _ = _ask(session, base, body)
            assert cached, f"{rep}: {name} was not warmed"
        _, rows, total = _ask(session, base, my_board[MY_CUSTOMERS])
        names = {row["customer_name"] for row in rows}
        assert names and names <= set(granted[rep]), (rep, sorted(names - set(granted[rep])))
        assert total <= len(granted[rep])
        seen[rep] = names
    assert not seen[rep_a] & seen[rep_b]

    # the manager's (and the analyst's, who sees all rows too) come from one shared warming
    manager = query_served_db(
        server.served_db,
        "select min(rep_id) from marts.dim_sales_staff where is_active "
        "and rep_role = 'sales_director'",
    )[0][0]
    answers = []
    for login in (manager, "lastmile_analyst"):
        session = server.api(login, server.user_password(login))
        cached, rows, total = _ask(session, base, health[RED_EVIDENCE])
        assert cached, f"{login}: not warmed"
        answers.append((rows, total))
    assert answers[0] == answers[1]
    red = query_served_db(
        server.served_db,
        "select count(*) from marts.fct_customer_health_current where health_status = 'red'",
    )[0][0]
    assert answers[0][1] == red > 0  # every red customer, not a scope of them

    # a second warming of the same file asks again and finds everything cached
    again = _warm(server)
    planned = int(again.split("warming ", 1)[1].split(" ", 1)[0])
    assert f"({planned} already cached, 0 failed)" in again, again[-2000:]
