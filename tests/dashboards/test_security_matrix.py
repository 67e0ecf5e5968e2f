"""The security matrix: every login of every role against every way rows leave Superset.

Logins: a rep who took a customer over, that customer's previous owner (a rep after handover),
the new owner's squad lead, the sales director (a manager), two analysts, and nobody logged in.
Each may see exactly what dashboards/security.yaml and the grants mart (marts.fct_access_grants)
allow now, computed here in DuckDB; and an SQL Lab query belongs to the analyst who ran it.

Data paths: chart data with every datasource type, result type and format, the saved charts'
data, drill-to-detail samples, the legacy explore_json, SQL Lab (execute, export, results,
history, saved queries, tab states, permalinks), dashboard and explore permalinks, filter state,
dataset and database APIs — and every other route Superset serves, walked with real ids in place
of its parameters (tests/dashboards/superset_routes.yaml lists them all: a route an upgrade adds
fails test_every_route_is_classified until someone decides how it is checked).
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import secrets
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import polars as pl
import pytest
import requests
import yaml

from dashboards.warm import http_session
from tests.dashboards.helpers import DASHBOARDS_DIR, Bundle, SupersetServer, query_served_db
from tests.dashboards.security_matrix import (
    NO_ACCESS,
    ROUTES_FILE,
    ROW_MARKER,
    SQL_MARKER,
    Login,
    data_rows,
    expand,
    forbidden_for,
    live_routes,
    load_inventory,
    readable,
    scan,
)
from tooling.bench.superset import SUPERSET_PYTHON, superset_env

pytestmark = pytest.mark.superset

NOW = "timezone('Asia/Shanghai', now())"
VALID_NOW = f"grants.valid_from <= {NOW} and (grants.valid_to is null or grants.valid_to > {NOW})"
# what chart data offers in Superset 6.1 (checked against its OpenAPI spec below)
RESULT_TYPES = [
    "full",
    "samples",
    "query",
    "results",
    "columns",
    "timegrains",
    "post_processed",
    "drill_detail",
]
RESULT_FORMATS = ["json", "csv", "xlsx"]
DATASOURCE_TYPES = ["table", "dataset", "query", "saved_query", "view"]
COUNT = {"expressionType": "SQL", "sqlExpression": "count(*)", "label": "count"}


@dataclass
class Matrix:
    server: SupersetServer
    admin: requests.Session
    logins: list[Login]
    customers: dict[str, str]  # every customer id → name
    datasets: dict[str, int]  # bundle dataset table → id on this server
    permitted: dict[str, set[str]]  # Superset role → dataset tables it may read
    scoped: dict[str, str]  # dataset table → scope column (customer_id / rep_id / squad_id)
    charts: dict[str, tuple[int, str]]  # chart uuid → (id, dataset table)
    ids: dict[str, list[Any]]  # values walked in place of route parameters
    customer_table: str  # a customer-scoped dataset with customer names
    query_id: int  # the analyst's SQL Lab query
    client_id: str
    saved_query_id: int
    analyst: Login  # who ran it

    def login(self, role: str) -> Login:
        return next(login for login in self.logins if login.role == role)


# --- who sees what, from DuckDB and the configuration --------------------------------------------


def _ids(served_db, sql: str) -> frozenset[str]:
    """The non-null values of the first column ``sql`` returns on the served file."""
    return frozenset(row[0] for row in query_served_db(served_db, sql) if row[0])


def _granted(served_db, rep_id: str) -> frozenset[str]:
    return _ids(
        served_db,
        f"select distinct grants.customer_id from marts.fct_access_grants as grants "
        f"where grants.rep_id = '{rep_id}' and {VALID_NOW}",
    )


def _squad_granted(served_db, lead_id: str) -> frozenset[str]:
    return _ids(
        served_db,
        f"select distinct grants.customer_id from marts.fct_access_grants as grants "
        f"join marts.dim_sales_staff as staff on grants.rep_id = staff.rep_id "
        f"where staff.squad_id = (select squad_id from marts.dim_sales_staff "
        f"where rep_id = '{lead_id}') and {VALID_NOW}",
    )


def _squad_reps(served_db, lead_id: str) -> frozenset[str]:
    return _ids(
        served_db,
        f"select rep_id from marts.dim_sales_staff where squad_id = (select squad_id from "
        f"marts.dim_sales_staff where rep_id = '{lead_id}')",
    )


def _squads(served_db, rep_id: str) -> frozenset[str]:
    """The squad of a login (the squad scope of security.yaml: squad-level rows of one's squad)."""
    return _ids(served_db, f"select squad_id from marts.dim_sales_staff where rep_id = '{rep_id}'")


def _handover(served_db) -> tuple[str, str, str]:
    """(customer, previous owner, new owner): a customer handed over between two active reps,
    the previous owner holding no grant on it now but grants on other customers."""
    rows = query_served_db(
        served_db,
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


def _permitted_tables(bundle: Bundle) -> tuple[dict[str, set[str]], dict[str, str]]:
    """From security.yaml and the bundle, independently of dashboards/security.py: per Superset
    role the dataset tables it may read, and each scoped table's scope column."""
    config = yaml.safe_load((DASHBOARDS_DIR / "security.yaml").read_text(encoding="utf-8"))
    tables = {uuid: dataset["table_name"] for uuid, dataset in bundle.datasets.items()}
    scoped = {}
    for uuid, dataset in bundle.datasets.items():
        columns = {column["column_name"] for column in dataset["columns"]}
        for scope in config["scopes"]:
            if scope["column"] in columns:
                scoped[tables[uuid]] = scope["column"]
                break
    permitted = {}
    for name, role in config["roles"].items():
        boards = [
            board
            for board in bundle.dashboards.values()
            if role["boards"] == "all" or board["slug"] in role["boards"]
        ]
        used = {
            tables[str(bundle.charts[uuid]["dataset_uuid"])]
            for board in boards
            for uuid in bundle.chart_uuids(board)
        }
        if role.get("schema_access"):
            used = set(tables.values())
        if not role["sees_all_rows"]:
            used &= set(scoped)
        permitted[name] = used
    return permitted, scoped


# --- the world the matrix runs in ----------------------------------------------------------------


def _ids_by(admin: requests.Session, base: str, resource: str, key: str) -> dict[str, int]:
    response = admin.get(f"{base}/api/v1/{resource}/", params={"q": "(page_size:100)"}, timeout=30)
    response.raise_for_status()
    return {str(row[key]): row["id"] for row in response.json()["result"]}


def _second_analyst(server: SupersetServer, admin: requests.Session) -> tuple[str, str]:
    """Another login with the analyst role, made through the admin API."""
    base = server.base_url
    roles = admin.get(f"{base}/api/v1/security/roles/", params={"q": "(page_size:100)"}, timeout=30)
    role_id = next(row["id"] for row in roles.json()["result"] if row["name"] == "Lastmile Analyst")
    username, password = "matrix_analyst_2", "Matrix-analyst-2-password"
    response = admin.post(
        f"{base}/api/v1/security/users/",
        json={
            "first_name": "第二分析师",
            "last_name": " ",
            "username": username,
            "email": "matrix_analyst_2@lastmile.invalid",
            "active": True,
            "roles": [role_id],
            "password": password,
        },
        timeout=30,
    )
    assert response.status_code in (200, 201), response.text[:500]
    return username, password


@pytest.fixture(scope="module")
def matrix(superset_server: SupersetServer, bundle: Bundle) -> Matrix:
    return build_matrix(superset_server, bundle)


def build_matrix(superset_server: SupersetServer, bundle: Bundle) -> Matrix:
    server, served_db, base = superset_server, superset_server.served_db, superset_server.base_url
    admin = server.api()
    customer, previous, new = _handover(served_db)
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

    def browser(username: str, password: str | None = None) -> requests.Session:
        return server.browser_session(username, password or server.user_password(username))

    second_analyst, second_password = _second_analyst(server, admin)
    logins = [
        Login(
            "rep",
            new,
            browser(new),
            _granted(served_db, new),
            frozenset({new}),
            "Lastmile Rep",
            squads=_squads(served_db, new),
        ),
        Login(
            "rep after handover",
            previous,
            browser(previous),
            _granted(served_db, previous),
            frozenset({previous}),
            "Lastmile Rep",
            squads=_squads(served_db, previous),
        ),
        Login(
            "squad lead",
            lead,
            browser(lead),
            _squad_granted(served_db, lead),
            _squad_reps(served_db, lead),
            "Lastmile Squad Lead",
            squads=_squads(served_db, lead),
        ),
        Login("manager", director, browser(director), None, None, "Lastmile Manager", squads=None),
        Login(
            "analyst",
            "lastmile_analyst",
            browser("lastmile_analyst"),
            None,
            None,
            "Lastmile Analyst",
            owns_sql_lab_marker=True,
            squads=None,
        ),
        Login(
            "second analyst",
            second_analyst,
            browser(second_analyst, second_password),
            None,
            None,
            "Lastmile Analyst",
            squads=None,
        ),
        Login("nobody logged in", "", http_session(), frozenset(), frozenset(), ""),
    ]
    rep, lead_login = logins[0], logins[2]
    assert customer in rep.customers and customer not in logins[1].customers
    assert customer in lead_login.customers and logins[1].customers, "no handover to test"

    customers = dict(
        query_served_db(served_db, "select customer_id, customer_name from marts.dim_customers")
    )
    datasets = {
        bundle.datasets[uuid]["table_name"]: dataset_id
        for uuid, dataset_id in _ids_by(admin, base, "dataset", "uuid").items()
        if uuid in bundle.datasets
    }
    chart_ids = _ids_by(admin, base, "chart", "uuid")
    charts = {
        uuid: (chart_ids[uuid], bundle.datasets[str(chart["dataset_uuid"])]["table_name"])
        for uuid, chart in bundle.charts.items()
    }
    permitted, scoped = _permitted_tables(bundle)

    # the analyst's SQL Lab objects: a query (its SQL and results marked), a saved query, a tab,
    # a permalink of the editor, an explore link on the query's results
    analyst = logins[4]
    database_id = next(iter(_ids_by(admin, base, "database", "database_name").values()))
    sql = (
        f"select upper('{SQL_MARKER}') as marker, customer_id, customer_name "
        f"from marts.dim_customers"
    )
    client_id = secrets.token_hex(5)  # SQL Lab client ids are 10 characters, unique
    response = analyst.session.post(
        f"{base}/api/v1/sqllab/execute/",
        json={
            "database_id": database_id,
            "sql": sql,
            "runAsync": False,
            "schema": "marts",
            "client_id": client_id,
        },
        timeout=60,
    )
    assert response.status_code == 200, response.text[:500]
    assert response.json()["data"][0]["marker"] == ROW_MARKER
    query_id = response.json()["query_id"]
    response = analyst.session.post(
        f"{base}/api/v1/saved_query/",
        json={"db_id": database_id, "label": "matrix saved query", "schema": "marts", "sql": sql},
        timeout=30,
    )
    assert response.status_code == 201, response.text[:500]
    saved_query_id = response.json()["id"]
    response = analyst.session.post(
        f"{base}/tabstateview/",
        data={"queryEditor": json.dumps({"name": "matrix tab", "dbId": database_id, "sql": sql})},
        timeout=30,
    )
    assert response.status_code == 200, response.text[:500]
    tab_state_id = response.json()["id"]
    # a permalink is a share: whoever holds the link reads the editor state it captured (the
    # SQL, not its results), so this one carries no marker
    response = analyst.session.post(
        f"{base}/api/v1/sqllab/permalink",
        json={"dbId": database_id, "sql": "select 1", "name": "matrix link", "schema": "marts"},
        timeout=30,
    )
    assert response.status_code == 201, response.text[:500]
    keys = {"sqllab_permalink": [response.json()["key"]]}
    query_form = {"datasource": f"{query_id}__query", "viz_type": "table", "query_mode": "raw"}
    for kind, path, payload in (
        ("explore_permalink", "explore/permalink", {"formData": query_form}),
        (
            "explore_form_data",
            "explore/form_data",
            {
                "datasource_id": query_id,
                "datasource_type": "query",
                "form_data": json.dumps(query_form),
            },
        ),
    ):
        response = analyst.session.post(f"{base}/api/v1/{path}", json=payload, timeout=30)
        assert response.status_code == 201, f"{path}: {response.text[:500]}"
        keys[kind] = [response.json()["key"]]

    # the manager's links and cached chart data on a customer dataset
    manager = logins[3]
    boards = _ids_by(admin, base, "dashboard", "slug")
    board_id = boards["customer-health"]
    response = manager.session.post(
        f"{base}/api/v1/dashboard/{board_id}/permalink",
        json={"dataMask": {}, "activeTabs": [], "anchor": "", "urlParams": []},
        timeout=30,
    )
    assert response.status_code == 201, response.text[:500]
    keys["dashboard_permalink"] = [response.json()["key"]]
    response = manager.session.post(
        f"{base}/api/v1/dashboard/{board_id}/filter_state", json={"value": "{}"}, timeout=30
    )
    assert response.status_code == 201, response.text[:500]
    keys["filter_state"] = [response.json()["key"]]
    cache_keys = []
    for who, datasource in (
        (manager, {"id": datasets["fct_red_alerts"], "type": "table"}),
        (analyst, {"id": query_id, "type": "query"}),
    ):
        response = _chart_data(who.session, base, datasource, ["customer_id"])
        assert response.status_code == 200, response.text[:500]
        cache_keys.append(response.json()["result"][0]["cache_key"])

    # a customer dataset that names its customers, the one most paths are tried on
    customer_tables = sorted(table for table in datasets if scoped.get(table) == "customer_id")
    rep_table = next(
        (
            table
            for table in customer_tables
            for uuid, dataset in bundle.datasets.items()
            if dataset["table_name"] == table
            and any(column["column_name"] == "customer_name" for column in dataset["columns"])
        ),
        customer_tables[0],
    )
    manager_table = next(table for table in datasets if table not in scoped)
    on_rep_board = next(uuid for uuid, (_, table) in charts.items() if table == rep_table)
    off_rep_board = next(uuid for uuid, (_, table) in charts.items() if table == manager_table)
    ids: dict[str, list[Any]] = {
        "default": ["1"],
        "chart": [str(charts[on_rep_board][0]), str(charts[off_rep_board][0])],
        "dataset": [str(datasets[rep_table]), str(datasets[manager_table])],
        "datasource": [
            ("table", str(datasets[rep_table])),
            ("table", str(datasets[manager_table])),
            ("query", str(query_id)),
            ("saved_query", str(saved_query_id)),
        ],
        "dashboard": [str(board_id), "pipeline-overview"],
        "database": [str(database_id)],
        "query": [str(query_id)],
        "saved_query": [str(saved_query_id)],
        "tabstateview": [str(tab_state_id)],
        "tab_state_id": [str(tab_state_id)],
        "client_id": [client_id],
        "column_name": ["customer_name", "marker"],
        "keys": keys,
        "cache_key": cache_keys,
        "name": ["muldelete"],
        "table_name": ["dim_customers"],
        "schema_name": ["marts"],
        "user_id": ["1"],
        "lang": ["zh"],
        "locale": ["zh"],
        "version": ["v1"],
        # routes that read their input from the query string, as the frontend sends it
        "queries": {
            "/api/v1/time_range/": "q='Last day'",
            "/superset/explore_json/": "form_data="
            + quote(json.dumps({"slice_id": charts[on_rep_board][0]})),
        },
    }
    return Matrix(
        server=server,
        admin=admin,
        logins=logins,
        customers=customers,
        datasets=datasets,
        permitted=permitted,
        scoped=scoped,
        charts=charts,
        ids=ids,
        customer_table=rep_table,
        query_id=query_id,
        client_id=client_id,
        saved_query_id=saved_query_id,
        analyst=analyst,
    )


def _chart_data(
    session: requests.Session,
    base: str,
    datasource: dict[str, Any],
    columns: list[str],
    result_type: str = "full",
    result_format: str = "json",
) -> requests.Response:
    return session.post(
        f"{base}/api/v1/chart/data",
        json={
            "datasource": datasource,
            "queries": [{"columns": columns, "metrics": [], "row_limit": 1_000_000}],
            "result_format": result_format,
            "result_type": result_type,
        },
        timeout=120,
    )


def _may_read(matrix: Matrix, login: Login, table: str) -> bool:
    return table in matrix.permitted.get(login.superset_role, set())


# --- the configuration itself --------------------------------------------------------------------


def test_every_route_is_classified(matrix: Matrix) -> None:
    """The server's routes are exactly those superset_routes.yaml classifies, and every data
    path it names has its test here."""
    live = live_routes(matrix.server.home, matrix.server.served_db)
    inventory = load_inventory()
    new, gone = sorted(live - set(inventory)), sorted(set(inventory) - live)
    assert not new and not gone, (
        f"Superset's routes changed: classify them in {ROUTES_FILE.name}\nnew: {new}\ngone: {gone}"
    )
    for kind in set(inventory.values()):
        if kind.startswith("data:"):
            assert kind[5:] in globals(), f"{ROUTES_FILE.name} names a missing test {kind}"


def test_chart_data_offers_what_the_matrix_walks(matrix: Matrix) -> None:
    """The result types, formats and datasource types of chart data are the ones walked here:
    one Superset adds fails this test instead of going unchecked."""
    response = matrix.admin.get(f"{matrix.server.base_url}/api/v1/_openapi", timeout=60)
    schemas = response.json()["components"]["schemas"]
    context = schemas["ChartDataQueryContextSchema"]["properties"]
    assert set(context["result_type"]["enum"]) == set(RESULT_TYPES)
    assert set(context["result_format"]["enum"]) == set(RESULT_FORMATS)
    assert set(schemas["ChartDataDatasource"]["properties"]["type"]["enum"]) == set(
        DATASOURCE_TYPES
    )


def test_roles_hold_exactly_their_permissions(matrix: Matrix) -> None:
    """Every Lastmile role: datasource_access on exactly its boards' datasets (the scoped ones
    for roles that do not see all rows), nothing database- or catalog-wide; only analysts get
    the marts schema, SQL Lab, saved queries, query history and explore."""
    base = matrix.server.base_url
    roles = matrix.admin.get(
        f"{base}/api/v1/security/roles/", params={"q": "(page_size:100)"}, timeout=30
    ).json()["result"]
    table_of = {f"[lastmile].[{table}](id:{i})": table for table, i in matrix.datasets.items()}
    analyst_only = {"SQLLab", "SavedQuery", "Query", "TabStateView", "Explore", "Database"}
    checked = set()
    for role in roles:
        if role["name"] not in matrix.permitted:
            continue
        checked.add(role["name"])
        response = matrix.admin.get(
            f"{base}/api/v1/security/roles/{role['id']}/permissions/", timeout=30
        )
        pairs = {(p["permission_name"], p["view_menu_name"]) for p in response.json()["result"]}
        datasets = {table_of.get(view, view) for name, view in pairs if name == "datasource_access"}
        assert datasets == matrix.permitted[role["name"]], role["name"]
        wide = {name for name, _ in pairs} & {
            "all_datasource_access",
            "all_database_access",
            "all_query_access",
            "database_access",
            "catalog_access",
        }
        assert not wide, f"{role['name']} holds {wide}"
        analyst = role["name"] == "Lastmile Analyst"
        assert (("schema_access", "[lastmile].[marts]") in pairs) == analyst, role["name"]
        sql_lab = {
            pair
            for pair in pairs
            if pair[1] in analyst_only or pair[0] in {"can_sqllab", "can_explore", "schema_access"}
        }
        assert bool(sql_lab) == analyst, f"{role['name']}: {sorted(sql_lab)}"
    assert checked == set(matrix.permitted)


# --- chart data ---------------------------------------------------------------------------------


def _expected_values(matrix: Matrix, login: Login, table: str, column: str) -> set[str]:
    rows = query_served_db(matrix.server.served_db, f"select distinct {column} from marts.{table}")
    present = {row[0] for row in rows if row[0] is not None}
    allowed = {"customer_id": login.customers, "squad_id": login.squads}.get(column, login.reps)
    return present if allowed is None else present & allowed


def _csv_first_column(response: requests.Response) -> set[str]:
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))[1:]
    return {row[0] for row in rows if row and row[0]}


def _first_column(response: requests.Response, result_format: str, column: str) -> set[str]:
    """The values of a one-column chart-data answer, in any format."""
    if result_format == "json":
        return {row[column] for row in data_rows(response)} - {None}
    if result_format == "csv":
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))[1:]
        return {row[0] for row in rows if row and row[0]}
    frame = pl.read_excel(io.BytesIO(response.content), engine="calamine")
    return {value for value in frame.to_series(0).to_list() if value is not None}


def _check_dataset(matrix: Matrix, login: Login, table: str) -> list[str]:
    """Problems with one login reading one dataset through chart data, in every format: the
    scope column's values row by row against the login's coverage, or the row count of an
    unscoped dataset; 401/403 when the login's role may not read it."""
    base, problems = matrix.server.base_url, []
    datasource = {"id": matrix.datasets[table], "type": "table"}
    column = matrix.scoped.get(table)
    for result_format in RESULT_FORMATS:
        response = login.session.post(
            f"{base}/api/v1/chart/data",
            json={
                "datasource": datasource,
                "queries": [
                    {"columns": [column], "metrics": [], "row_limit": 1_000_000}
                    if column
                    else {"columns": [], "metrics": [COUNT], "row_limit": 10}
                ],
                "result_format": result_format,
                "result_type": "full",
            },
            timeout=120,
        )
        where = f"{login.role} {table} {result_format}"
        if not _may_read(matrix, login, table):
            if response.status_code not in NO_ACCESS:
                problems.append(f"{where}: {response.status_code}, expected no access")
        elif response.status_code != 200:
            problems.append(f"{where}: {response.status_code} {response.text[:200]}")
        elif column:
            got = _first_column(response, result_format, column)
            want = _expected_values(matrix, login, table, column)
            if got != want:
                problems.append(
                    f"{where}: extra {sorted(got - want)[:5]}, missing {sorted(want - got)[:5]}"
                )
        elif result_format == "json":
            (total,) = query_served_db(
                matrix.server.served_db, f"select count(*) from marts.{table}"
            )[0]
            if data_rows(response)[0].get("count") != total:
                problems.append(f"{where}: count {data_rows(response)} != {total}")
    return problems


def per_login(check, logins: list) -> list[str]:
    """The problems ``check`` finds for each login, the logins asking at once, four at a time
    (as people do), in the logins' order."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        return [problem for problems in pool.map(check, logins) for problem in problems]


def _chart_data_of_login(matrix: Matrix, login) -> list[str]:
    """``test_chart_data_matrix`` for one login: its problems."""
    base, problems = matrix.server.base_url, []
    customer_table = matrix.customer_table
    for table in sorted(matrix.datasets):
        problems += _check_dataset(matrix, login, table)
    forbidden = forbidden_for(login, matrix.customers)
    answers = []
    for result_type, (kind, source_id) in itertools.product(
        RESULT_TYPES,
        [
            ("table", matrix.datasets[customer_table]),
            ("query", matrix.query_id),
            ("saved_query", matrix.saved_query_id),
            ("dataset", matrix.datasets[customer_table]),
            ("view", matrix.datasets[customer_table]),
        ],
    ):
        columns = ["customer_id", "customer_name"] + (["marker"] if kind != "table" else [])
        if kind != "table" and result_type == "timegrains":
            columns = []
        response = _chart_data(
            login.session, base, {"id": source_id, "type": kind}, columns, result_type
        )
        where = f"{login.role} chart data {kind} {result_type}"
        answers.append((where, response))
        if response.status_code >= 500:
            problems.append(f"{where}: {response.status_code} {response.text[:200]}")
        sql_lab_source = kind in ("query", "saved_query")
        if sql_lab_source and not login.owns_sql_lab_marker and response.status_code < 400:
            problems.append(f"{where}: {response.status_code}, expected no access")
        readable_table = kind == "table" and _may_read(matrix, login, customer_table)
        if readable_table and response.status_code != 200:
            problems.append(f"{where}: {response.status_code} {response.text[:200]}")
    return problems + scan(answers, forbidden)


def test_chart_data_matrix(matrix: Matrix) -> None:
    """POST /api/v1/chart/data: every login × every dataset × JSON/CSV/XLSX shows exactly the
    rows the login's coverage allows (row by row against the grants), or answers 401/403 for a
    dataset its role may not read; every result type on a customer dataset leaks nothing; an
    SQL Lab query or saved query as the datasource is the analyst's alone. The logins ask at
    once, four at a time, as people do."""
    base = matrix.server.base_url
    logins = [login for login in matrix.logins if login.username]  # nobody: the walk below
    problems = per_login(lambda login: _chart_data_of_login(matrix, login), logins)
    # the owner reads their own query's rows through chart data
    response = _chart_data(
        matrix.analyst.session, base, {"id": matrix.query_id, "type": "query"}, ["marker"]
    )
    assert response.status_code == 200 and data_rows(response)[0]["marker"] == ROW_MARKER
    assert not problems, "\n".join(problems)


def test_saved_charts_data(matrix: Matrix) -> None:
    """GET /api/v1/chart/<id>/data/ (a chart's saved query) for every chart and login: rows only
    within coverage, 401/403 for a chart on a dataset the role may not read. The logins ask at
    once, four at a time."""
    problems = per_login(lambda login: _saved_charts_of_login(matrix, login), matrix.logins)
    assert not problems, "\n".join(problems)


def _saved_charts_of_login(matrix: Matrix, login) -> list[str]:
    """``test_saved_charts_data`` for one login: its problems."""
    base, problems = matrix.server.base_url, []
    forbidden, answers = forbidden_for(login, matrix.customers), []
    for chart_id, table in matrix.charts.values():
        for result_format in RESULT_FORMATS:
            response = login.session.get(
                f"{base}/api/v1/chart/{chart_id}/data/",
                params={"format": result_format},
                timeout=120,
            )
            where = f"{login.role} chart {chart_id} ({table}) {result_format}"
            answers.append((where, response))
            if not _may_read(matrix, login, table) and response.status_code < 400:
                problems.append(f"{where}: {response.status_code}, expected no access")
            elif _may_read(matrix, login, table) and response.status_code != 200:
                problems.append(f"{where}: {response.status_code} {response.text[:200]}")
    return problems + scan(answers, forbidden)


# --- drill to detail, legacy explore -------------------------------------------------------------


def test_samples_and_drill_to_detail(matrix: Matrix) -> None:
    """/datasource/samples (drill-to-detail) with every datasource type, with and without the
    drill's filters, and the dataset's drill info: nothing outside coverage, no SQL Lab rows."""
    base, problems = matrix.server.base_url, []
    customer_table = matrix.customer_table
    (total,) = query_served_db(
        matrix.server.served_db, f"select count(*) from marts.{customer_table}"
    )[0]
    for login in matrix.logins:
        forbidden, answers = forbidden_for(login, matrix.customers), []
        for kind, source_id in matrix.ids["datasource"]:
            for payload in ({}, {"filters": [{"col": "customer_id", "op": "IS NOT NULL"}]}):
                response = login.session.post(
                    f"{base}/datasource/samples",
                    params={
                        "datasource_id": source_id,
                        "datasource_type": kind,
                        "per_page": max(total, 1),
                        "page": 1,
                    },
                    json=payload,
                    timeout=120,
                )
                where = f"{login.role} samples {kind} {source_id} {payload}"
                answers.append((where, response))
                if response.status_code >= 500:
                    problems.append(f"{where}: {response.status_code}")
        response = login.session.post(
            f"{base}/datasource/samples",
            params={
                "datasource_id": matrix.datasets[customer_table],
                "datasource_type": "table",
                "per_page": max(total, 1),
                "page": 1,
            },
            json={},
            timeout=120,
        )
        if _may_read(matrix, login, customer_table):
            assert response.status_code == 200, f"{login.role}: {response.text[:300]}"
            got = {row["customer_id"] for row in response.json()["result"]["data"]}
            want = _expected_values(matrix, login, customer_table, "customer_id")
            assert got == want, f"{login.role}: samples of {customer_table}"
        else:
            assert response.status_code in NO_ACCESS, f"{login.role}: {response.status_code}"
        for table, dataset_id in matrix.datasets.items():
            response = login.session.get(
                f"{base}/api/v1/dataset/{dataset_id}/drill_info/", timeout=30
            )
            answers.append((f"{login.role} drill_info {table}", response))
            if not _may_read(matrix, login, table) and response.status_code < 400:
                problems.append(f"{login.role} drill_info {table}: {response.status_code}")
        problems += scan(answers, forbidden)
    assert not problems, "\n".join(problems)


def test_legacy_explore_json(matrix: Matrix) -> None:
    """/superset/explore_json/ (the legacy chart endpoint) on a customer dataset and on the
    analyst's query: only the analyst reads their query; nothing outside coverage."""
    base, problems = matrix.server.base_url, []
    customer_table = matrix.customer_table
    sources = [
        ("table", matrix.datasets[customer_table]),
        ("query", matrix.query_id),
        ("saved_query", matrix.saved_query_id),
    ]
    for login in matrix.logins:
        forbidden, answers = forbidden_for(login, matrix.customers), []
        for (kind, source_id), path in itertools.product(sources, ["", "{kind}/{id}/"]):
            form_data = {
                "datasource": f"{source_id}__{kind}",
                "viz_type": "table",
                "query_mode": "raw",
                "all_columns": ["customer_id", "customer_name"],
                "row_limit": 100000,
            }
            for params in ({}, {"csv": "true"}, {"results": "true"}, {"samples": "true"}):
                response = login.session.post(
                    f"{base}/superset/explore_json/{path.format(kind=kind, id=source_id)}",
                    params=params,
                    data={"form_data": json.dumps(form_data)},
                    timeout=120,
                )
                where = f"{login.role} explore_json {kind} {path} {params}"
                answers.append((where, response))
                if response.status_code >= 500:
                    problems.append(f"{where}: {response.status_code}")
        problems += scan(answers, forbidden)
    assert not problems, "\n".join(problems)


# --- SQL Lab ------------------------------------------------------------------------------------


def test_sql_lab_is_for_analysts_and_private(matrix: Matrix) -> None:
    """Only analysts execute SQL; an analyst's query, its results (export, streaming export,
    results key), history, saved query and tab are theirs alone."""
    base, problems = matrix.server.base_url, []
    database_id = int(matrix.ids["database"][0])
    for login in matrix.logins:
        if login.owns_sql_lab_marker:
            continue
        forbidden, answers = forbidden_for(login, matrix.customers), []
        response = login.session.post(
            f"{base}/api/v1/sqllab/execute/",
            json={
                "database_id": database_id,
                "sql": "select count(*) as n from marts.fct_access_grants",
                "runAsync": False,
                "schema": "marts",
            },
            timeout=60,
        )
        analyst = login.superset_role == "Lastmile Analyst"
        if analyst != (response.status_code == 200):
            problems.append(f"{login.role} executes SQL: {response.status_code}")
        for method, path, payload in (
            ("get", f"/api/v1/sqllab/export/{matrix.client_id}/", None),
            ("post", "/api/v1/sqllab/export_streaming/", {"client_id": matrix.client_id}),
            ("get", "/api/v1/sqllab/results/", None),
            ("get", "/api/v1/query/", None),
            ("get", f"/api/v1/query/{matrix.query_id}", None),
            ("get", "/api/v1/saved_query/", None),
            ("get", f"/api/v1/saved_query/{matrix.saved_query_id}", None),
            ("get", "/api/v1/sqllab/", None),
        ):
            if method == "post":
                response = login.session.post(f"{base}{path}", data=payload, timeout=60)
            else:
                params = {"key": matrix.client_id} if path.endswith("results/") else None
                response = login.session.get(f"{base}{path}", params=params, timeout=60)
            answers.append((f"{login.role} {method.upper()} {path}", response))
            if response.status_code >= 500:
                problems.append(f"{login.role} {path}: {response.status_code}")
        problems += scan(answers, forbidden)
    # the analyst's own queries are theirs: history and export work
    response = matrix.analyst.session.get(f"{base}/api/v1/query/{matrix.query_id}", timeout=30)
    assert response.status_code == 200 and SQL_MARKER in response.text
    response = matrix.analyst.session.get(
        f"{base}/api/v1/sqllab/export/{matrix.client_id}/", timeout=60
    )
    assert response.status_code == 200 and ROW_MARKER in readable(response)
    # read-only for the analyst too, and the locked DuckDB limits cannot be raised
    for sql in (
        "delete from marts.fct_access_grants",
        "set memory_limit = '1000GB'",
        "set lock_configuration = false",
        "select * from read_csv('/etc/passwd')",
    ):
        response = matrix.analyst.session.post(
            f"{base}/api/v1/sqllab/execute/",
            json={"database_id": database_id, "sql": sql, "runAsync": False, "schema": "marts"},
            timeout=60,
        )
        if response.status_code < 400:
            problems.append(f"the analyst ran {sql!r}: {response.status_code}")
    assert not problems, "\n".join(problems)


# --- every other route --------------------------------------------------------------------------


def _walk_login(matrix: Matrix, login: Login, routes: dict[str, str]) -> list[str]:
    base, problems = matrix.server.base_url, []
    forbidden, answers = forbidden_for(login, matrix.customers), []
    analyst = login.superset_role == "Lastmile Analyst"
    for route, kind in sorted(routes.items()):
        method, rule = route.split(" ", 1)
        if kind == "analyst" and analyst:
            continue  # their own SQL Lab objects: test_sql_lab_is_for_analysts_and_private
        for path in expand(rule, matrix.ids):
            where = f"{login.role}: {method} {path}"
            response = login.session.request(
                method,
                f"{base}{path}",
                json={} if method != "GET" else None,
                timeout=120,
                allow_redirects=False,
            )
            answers.append((where, response))
            status = response.status_code
            # FAB's web views send whoever may not see them to the home or login page
            location = response.headers.get("location", "")
            sent_away = status == 302 and (
                location.rstrip("/") in ("", base) or "/login" in location
            )
            if kind in ("walk", "harmless"):
                if status >= 500:
                    problems.append(f"{where}: {status} {response.text[:120]}")
            elif not login.username:
                # nobody logged in: refused one way or another (CSRF, login page, 401, 404)
                if 200 <= status < 300:
                    problems.append(f"{where}: {status}, expected a refusal")
            elif kind in ("denied", "analyst"):
                if status not in NO_ACCESS and not sent_away:
                    problems.append(f"{where}: {status}, expected no access")
            elif kind == "disabled" and status != 404:
                problems.append(f"{where}: {status}, expected 404 (feature off)")
            elif kind == "broken" and 200 <= status < 300:
                problems.append(f"{where}: {status}, expected an error")
    return problems + scan(answers, forbidden)


def test_walked_routes_leak_nothing(matrix: Matrix) -> None:
    """Every route of superset_routes.yaml but the data paths above, for every login (and nobody
    logged in): no answer holds anything outside the login's coverage; walked routes answer no
    5xx; denied ones 401/403/405 (or send to the home or login page), analyst ones the same to
    everyone else; disabled ones 404; broken ones an error."""
    routes = {
        route: kind for route, kind in load_inventory().items() if not kind.startswith("data:")
    }
    problems = per_login(lambda login: _walk_login(matrix, login, routes), matrix.logins)
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)


# --- logins -------------------------------------------------------------------------------------


def test_a_login_without_a_grant_sees_no_rows(matrix: Matrix) -> None:
    """Default deny: a rep-role login with no grant in force sees none of a customer's rows."""
    served_db = matrix.server.served_db
    rows = query_served_db(
        served_db,
        f"select min(staff.rep_id) from marts.dim_sales_staff as staff "
        f"where staff.is_active and staff.rep_role in ('rep', 'legal', 'product_engineer', "
        f"'service') and not exists (select 1 from marts.fct_access_grants as grants "
        f"where grants.rep_id = staff.rep_id and {VALID_NOW})",
    )
    username = rows[0][0]
    assert username, "everyone on the sample roster holds a grant: cannot test default deny"
    session = matrix.server.api(username, matrix.server.user_password(username))
    for table in matrix.permitted["Lastmile Rep"]:
        column = matrix.scoped[table]
        datasource = {"id": matrix.datasets[table], "type": "table"}
        response = _chart_data(session, matrix.server.base_url, datasource, [column])
        assert response.status_code == 200, response.text[:500]
        got = {row[column] for row in data_rows(response)}
        own = {"rep_id": {username}, "squad_id": set(_squads(served_db, username))}
        assert got <= own.get(column, set()), f"{username}: {table}"


def test_admin_is_not_default_and_roster_logins_are_generated(
    superset_server: SupersetServer,
) -> None:
    """Passwords are generated per login (mode-600 file); an inactive person cannot log in."""
    passwords_file = superset_server.home / "superset" / "user_passwords.json"
    assert passwords_file.stat().st_mode & 0o077 == 0, "passwords file readable by others"
    rows = query_served_db(
        superset_server.served_db,
        "select rep_id, is_active from marts.dim_sales_staff order by 1",
    )
    assert any(not is_active for _, is_active in rows), "the sample roster has no leaver"
    for rep_id, is_active in rows:
        password = superset_server.user_password(rep_id)
        assert len(password) >= 20
        status = superset_server.login(rep_id, password).status_code
        assert status == (200 if is_active else 401), f"{rep_id} active={is_active}: {status}"
        assert superset_server.login(rep_id, rep_id).status_code == 401


# --- errors and cookies --------------------------------------------------------------------------


def test_bad_requests_answer_4xx_json(matrix: Matrix) -> None:
    """A malformed request gets a 4xx with Superset's JSON error payload, not a 500 or an HTML
    page, whatever the client accepts (requests sends */*)."""
    base, manager = matrix.server.base_url, matrix.login("manager").session
    customer = {"id": matrix.datasets[matrix.customer_table], "type": "table"}
    cases = [
        ("post", "/api/v1/chart/data", {"datasource": {"id": 1, "type": "bogus"}, "queries": []}),
        ("post", "/api/v1/chart/data", {"datasource": {**customer, "type": "saved_query"}}),
        ("post", "/api/v1/chart/data", {"datasource": customer, "queries": "not a list"}),
        ("post", "/api/v1/chart/data", {"datasource": {"id": 999999, "type": "table"}}),
        ("get", "/api/v1/no_such_api/", None),
        ("get", "/api/v1/chart/999999", None),
    ]
    for method, path, payload in cases:
        response = manager.request(method, f"{base}{path}", json=payload, timeout=60)
        where = f"{method.upper()} {path} {payload}"
        assert 400 <= response.status_code < 500, f"{where}: {response.status_code}"
        assert response.headers["content-type"].startswith("application/json"), where
        assert "<html" not in response.text.lower(), where


def test_session_cookie_follows_https_setting(superset_server: SupersetServer) -> None:
    """Over plain HTTP the session cookie is HttpOnly and SameSite=Lax; with
    LASTMILE_SUPERSET_HTTPS=1 superset_config.py also makes it Secure (and trusts the proxy)."""
    session = requests.Session()
    session.get(f"{superset_server.base_url}/login/", timeout=30)
    cookie = next(c for c in session.cookies if c.name == "session")
    assert cookie.has_nonstandard_attr("HttpOnly") and not cookie.secure
    script = (
        "import superset_config as c; "
        "print(c.SESSION_COOKIE_SECURE, c.TALISMAN_CONFIG['session_cookie_secure'], "
        "c.ENABLE_PROXY_FIX, c.SESSION_COOKIE_SAMESITE)"
    )
    for value, expected in (("1", "True True True Lax"), ("", "False False False Lax")):
        env = {
            **superset_env(superset_server.home, superset_server.served_db),
            "SUPERSET_HOME": str(superset_server.home / "superset"),
            "LASTMILE_SUPERSET_HTTPS": value,
        }
        done = subprocess.run(
            [str(SUPERSET_PYTHON), "-c", script],
            cwd=DASHBOARDS_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        assert done.stdout.split("\n")[-2] == expected, done.stdout
