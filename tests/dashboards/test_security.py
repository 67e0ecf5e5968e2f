"""Row-level security and roles (dashboards/security.yaml) against a real Superset.

A matrix of users — a rep who took a customer over, that customer's previous owner, the new
owner's squad lead, the sales director — over the ways rows leave Superset — the chart-data API,
drill-to-detail samples, CSV export, SQL Lab, the dataset list. Each user must see exactly the
customers the grants mart (marts.fct_access_grants) allows now, computed here in DuckDB.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import pytest
import requests

from tests.dashboards.helpers import Bundle, SupersetServer, query_served_db

pytestmark = pytest.mark.superset

NOW = "timezone('Asia/Shanghai', now())"
VALID_NOW = f"grants.valid_from <= {NOW} and (grants.valid_to is null or grants.valid_to > {NOW})"


@dataclass(frozen=True)
class Case:
    role: str  # what the user is in the matrix
    username: str
    allowed: frozenset[str] | None  # customer ids; None = every row


def _allowed_for_rep(served_db, rep_id: str) -> frozenset[str]:
    rows = query_served_db(
        served_db,
        f"select distinct grants.customer_id from marts.fct_access_grants as grants "
        f"where grants.rep_id = '{rep_id}' and {VALID_NOW}",
    )
    return frozenset(row[0] for row in rows)


def _allowed_for_squad(served_db, lead_id: str) -> frozenset[str]:
    rows = query_served_db(
        served_db,
        f"select distinct grants.customer_id from marts.fct_access_grants as grants "
        f"join marts.dim_sales_staff as staff on grants.rep_id = staff.rep_id "
        f"where staff.squad_id = (select squad_id from marts.dim_sales_staff "
        f"where rep_id = '{lead_id}') and {VALID_NOW}",
    )
    return frozenset(row[0] for row in rows)


@pytest.fixture(scope="module")
def handover(superset_server: SupersetServer) -> tuple[str, str, str]:
    """(customer, previous owner, new owner): a customer handed over between two active reps,
    the previous owner holding no grant on it now but grants on other customers."""
    rows = query_served_db(
        superset_server.served_db,
        f"""
        select old.customer_id, old.rep_id, new.rep_id
        from marts.fct_access_grants as old
        join marts.fct_access_grants as new on old.customer_id = new.customer_id
        join marts.dim_sales_staff as old_rep on old.rep_id = old_rep.rep_id
        join marts.dim_sales_staff as new_rep on new.rep_id = new_rep.rep_id
        where old.valid_to is not null and old.valid_to <= {NOW}
          and new.valid_from >= old.valid_to and new.valid_to is null
          and old.rep_id <> new.rep_id
          and old_rep.is_active and new_rep.is_active
          and old_rep.rep_role = 'rep' and new_rep.rep_role = 'rep'
          and not exists (
            select 1 from marts.fct_access_grants as grants
            where grants.customer_id = old.customer_id and grants.rep_id = old.rep_id
              and {VALID_NOW})
          and exists (
            select 1 from marts.fct_access_grants as grants
            where grants.rep_id = old.rep_id and {VALID_NOW})
        order by 1, 2, 3
        limit 1
        """,
    )
    assert rows, "the sample company has no handover between two active reps"
    return rows[0]


@pytest.fixture(scope="module")
def cases(superset_server: SupersetServer, handover: tuple[str, str, str]) -> list[Case]:
    served_db = superset_server.served_db
    customer, previous, new = handover
    (lead,) = query_served_db(
        served_db,
        f"select min(lead.rep_id) from marts.dim_sales_staff as lead "
        f"join marts.dim_sales_staff as rep on lead.squad_id = rep.squad_id "
        f"where rep.rep_id = '{new}' and lead.rep_role = 'squad_lead' and lead.is_active",
    )[0]
    (director,) = query_served_db(
        served_db,
        "select min(rep_id) from marts.dim_sales_staff "
        "where rep_role = 'sales_director' and is_active",
    )[0]
    assert lead and director, "the roster has no squad lead or director for the matrix"
    matrix = [
        Case("new owner", new, _allowed_for_rep(served_db, new)),
        Case("previous owner", previous, _allowed_for_rep(served_db, previous)),
        Case("squad lead", lead, _allowed_for_squad(served_db, lead)),
        Case("manager", director, None),
    ]
    assert customer in matrix[0].allowed and customer not in matrix[1].allowed
    assert customer in matrix[2].allowed
    assert matrix[1].allowed, "the previous owner should still see other customers"
    return matrix


@pytest.fixture(scope="module")
def admin(superset_server: SupersetServer) -> requests.Session:
    return superset_server.api()


@pytest.fixture(scope="module")
def customer_datasets(
    admin: requests.Session, superset_server: SupersetServer, bundle: Bundle
) -> dict[str, int]:
    """Every bundle dataset with a customer_id column: {table: id on this server}."""
    response = admin.get(
        f"{superset_server.base_url}/api/v1/dataset/",
        params={"q": "(columns:!(id,uuid),page_size:100)"},
        timeout=30,
    )
    response.raise_for_status()
    ids = {row["uuid"]: row["id"] for row in response.json()["result"]}
    found = {
        dataset["table_name"]: ids[uuid]
        for uuid, dataset in bundle.datasets.items()
        if any(column["column_name"] == "customer_id" for column in dataset["columns"])
    }
    assert found, "no dataset with customer_id: nothing to secure"
    return found


def _session(server: SupersetServer, username: str) -> requests.Session:
    return server.api(username, server.user_password(username))


def _customers_in(served_db, table: str) -> frozenset[str]:
    rows = query_served_db(served_db, f"select distinct customer_id from marts.{table}")
    return frozenset(row[0] for row in rows if row[0] is not None)


def _expected(case: Case, served_db, table: str) -> frozenset[str]:
    present = _customers_in(served_db, table)
    return present if case.allowed is None else present & case.allowed


def _chart_data(session, base: str, dataset_id: int, result_format: str = "json"):
    return session.post(
        f"{base}/api/v1/chart/data",
        json={
            "datasource": {"id": dataset_id, "type": "table"},
            "queries": [{"columns": ["customer_id"], "metrics": [], "row_limit": 1_000_000}],
            "result_format": result_format,
            "result_type": "full",
        },
        timeout=60,
    )


def test_chart_data_and_csv_show_exactly_the_granted_customers(
    superset_server: SupersetServer, cases: list[Case], customer_datasets: dict[str, int]
) -> None:
    base, served_db = superset_server.base_url, superset_server.served_db
    for case in cases:
        session = _session(superset_server, case.username)
        for table, dataset_id in customer_datasets.items():
            want = _expected(case, served_db, table)
            response = _chart_data(session, base, dataset_id)
            assert response.status_code == 200, f"{case.role} {table}: {response.text[:500]}"
            got = {row["customer_id"] for row in response.json()["result"][0]["data"]}
            got.discard(None)
            assert got == want, f"{case.role} ({case.username}) on {table}"

            response = _chart_data(session, base, dataset_id, "csv")
            assert response.status_code == 200, f"{case.role} {table} csv: {response.text[:500]}"
            # the header says 客户 (the column's Chinese label): read by position
            rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))[1:]
            got_csv = {row[0] for row in rows if row and row[0]}
            assert got_csv == want, f"{case.role} ({case.username}) CSV of {table}"


def test_drill_to_detail_samples_are_filtered_too(
    superset_server: SupersetServer, cases: list[Case], customer_datasets: dict[str, int]
) -> None:
    base, served_db = superset_server.base_url, superset_server.served_db
    table = "fct_red_alerts" if "fct_red_alerts" in customer_datasets else min(customer_datasets)
    (total,) = query_served_db(served_db, f"select count(*) from marts.{table}")[0]
    for case in cases:
        session = superset_server.browser_session(
            case.username, superset_server.user_password(case.username)
        )
        response = session.post(
            f"{base}/datasource/samples",
            params={
                "datasource_id": customer_datasets[table],
                "datasource_type": "table",
                "per_page": max(total, 1),
                "page": 1,
            },
            json={},
            timeout=60,
        )
        assert response.status_code == 200, f"{case.role}: {response.text[:500]}"
        got = {row["customer_id"] for row in response.json()["result"]["data"]}
        assert got == _expected(case, served_db, table), f"{case.role} samples of {table}"


def test_only_analysts_reach_sql_lab(
    superset_server: SupersetServer, cases: list[Case], admin: requests.Session
) -> None:
    base = superset_server.base_url
    response = admin.get(
        f"{base}/api/v1/database/", params={"q": "(columns:!(id,database_name))"}, timeout=30
    )
    database_id = response.json()["result"][0]["id"]
    payload = {
        "database_id": database_id,
        "sql": "select count(*) as n from marts.fct_access_grants",
        "runAsync": False,
        "schema": "marts",
    }
    for case in cases:
        session = _session(superset_server, case.username)
        response = session.post(f"{base}/api/v1/sqllab/execute/", json=payload, timeout=60)
        assert response.status_code in (401, 403), f"{case.role} ran SQL: {response.text[:300]}"

    analyst = _session(superset_server, "lastmile_analyst")
    response = analyst.post(f"{base}/api/v1/sqllab/execute/", json=payload, timeout=60)
    assert response.status_code == 200, response.text[:500]
    (total,) = query_served_db(
        superset_server.served_db, "select count(*) from marts.fct_access_grants"
    )[0]
    assert response.json()["data"] == [{"n": total}]
    # read-only: the connection refuses writes for the analyst too
    response = analyst.post(
        f"{base}/api/v1/sqllab/execute/",
        json={**payload, "sql": "delete from marts.fct_access_grants"},
        timeout=60,
    )
    assert response.status_code >= 400


def test_dataset_list_is_read_only_for_every_login(
    superset_server: SupersetServer, cases: list[Case], customer_datasets: dict[str, int]
) -> None:
    base = superset_server.base_url
    for case in [*cases, Case("analyst", "lastmile_analyst", None)]:
        session = _session(superset_server, case.username)
        response = session.get(
            f"{base}/api/v1/dataset/", params={"q": "(page_size:100)"}, timeout=30
        )
        assert response.status_code == 200, case.role
        listed = {row["table_name"] for row in response.json()["result"]}
        assert set(customer_datasets) <= listed, case.role
        dataset_id = next(iter(customer_datasets.values()))
        response = session.put(
            f"{base}/api/v1/dataset/{dataset_id}", json={"description": "x"}, timeout=30
        )
        assert response.status_code in (401, 403), f"{case.role} edited a dataset"


def test_a_login_without_a_grant_sees_no_rows(
    superset_server: SupersetServer, customer_datasets: dict[str, int]
) -> None:
    """Default deny: a rep-role login with no grant in force (here: legal, engineers and
    service staff hold only task grants, if any) sees none of a customer's rows."""
    served_db = superset_server.served_db
    rows = query_served_db(
        served_db,
        f"select min(staff.rep_id) from marts.dim_sales_staff as staff "
        f"where staff.is_active and staff.rep_role in ('rep', 'legal', 'product_engineer', "
        f"'service') and not exists (select 1 from marts.fct_access_grants as grants "
        f"where grants.rep_id = staff.rep_id and {VALID_NOW})",
    )
    username = rows[0][0]
    assert username, "everyone on the sample roster holds a grant: cannot test default deny"
    session = _session(superset_server, username)
    for table, dataset_id in customer_datasets.items():
        response = _chart_data(session, superset_server.base_url, dataset_id)
        assert response.status_code == 200, response.text[:500]
        assert response.json()["result"][0]["data"] == [], f"{username} sees rows of {table}"


def test_admin_is_not_default_and_roster_logins_are_generated(
    superset_server: SupersetServer,
) -> None:
    passwords_file = superset_server.home / "superset" / "user_passwords.json"
    assert passwords_file.stat().st_mode & 0o077 == 0, "passwords file readable by others"
    rows = query_served_db(
        superset_server.served_db,
        "select rep_id, is_active from marts.dim_sales_staff order by 1",
    )
    for rep_id, is_active in rows:
        password = superset_server.user_password(rep_id)
        assert len(password) >= 20
        status = superset_server.login(rep_id, password).status_code
        assert status == (200 if is_active else 401), f"{rep_id} active={is_active}: {status}"
        assert superset_server.login(rep_id, rep_id).status_code == 401
