"""Against a real Superset serving the published DuckDB file: the bundle imported, each chart
answers the chart-data API from its saved query_context with the numbers DuckDB gives, and
the connection can neither write nor touch the file system."""

from __future__ import annotations

import csv
import datetime
import hashlib
import json
from decimal import Decimal
from typing import Any

import pytest
import requests

from tests.dashboards.helpers import REPO_ROOT, Bundle, SupersetServer, query_served_db
from tooling.bench.superset import ids_by_uuid

pytestmark = pytest.mark.superset

# The business meaning of each saved metric, written independently of the dataset YAML: if a
# metric's expression drifts (SUM → AVG, another column), the numbers below stop matching.
# Values a mart already computed per row (rates, medians) are shown as MAX over one row.
EXPECTED_METRICS = {
    "total_pipeline_amount_cny": "sum(pipeline_amount_cny)",
    "total_opportunity_count": "sum(opportunity_count)",
    "median_response_minutes_value": "max(median_response_minutes)",
    "p95_response_minutes_value": "max(p95_response_minutes)",
    "response_target_minutes_value": "max(response_target_minutes)",
    "share_within_target_value": "max(share_within_target)",
    "process_compliance_rate_value": "max(process_compliance_rate)",
    "compliance_target_value": "max(compliance_target)",
    "knowledge_reuse_rate_value": "max(knowledge_reuse_rate)",
    "reuse_target_value": "max(reuse_target)",
    "squad_count": "count(*)",
    "squad_compliance_rate_value": "max(process_compliance_rate)",
    "alert_count": "count(*)",
    "customer_day_count": "count(*)",
    "health_score_avg": "avg(health_score)",
    "task_count": "count(*)",
    "landing_file_count": "count(*)",
    "rejected_file_count": "sum(case when file_status = 'rejected' then 1 else 0 end)",
    "rows_read_total": "sum(rows_read)",
    "rows_loaded_total": "sum(rows_loaded)",
    "rows_quarantined_total": "sum(rows_quarantined)",
    "rows_duplicate_total": "sum(rows_duplicate)",
    "stale_table_count": "sum(case when is_stale then 1 else 0 end)",
    "quarantine_row_count": "count(*)",
    "lead_count": "count(*)",
    "untouched_lead_count": "count(*) filter (where not is_touched)",
    "within_target_lead_count": "count(*) filter (where is_within_target)",
    "converted_lead_count": "count(*) filter (where is_converted)",
    "lead_task_count": "count(*)",
    "log_count": "count(*)",
    "completeness_score_avg": "avg(completeness_score)",
    "missing_field_total": "sum(missing_field_count)",
    "missing_count_total": "sum(missing_count)",
    "rep_log_count_total": "sum(log_count)",
    "flagged_day_total": "sum(flagged_day_count)",
    "rep_day_total": "sum(rep_day_count)",
    "outstanding_total_cny": "sum(outstanding_cny)",
    "not_due_total_cny": "sum(not_due_cny)",
    "overdue_1_30_total_cny": "sum(overdue_1_30_cny)",
    "overdue_31_60_total_cny": "sum(overdue_31_60_cny)",
    "overdue_61_90_total_cny": "sum(overdue_61_90_cny)",
    "overdue_over_90_total_cny": "sum(overdue_over_90_cny)",
    "receivable_due_total_cny": "sum(receivable_due_cny)",
    "collected_total_cny": "sum(collected_cny)",
    "churned_total": "sum(churned_customers)",
    "covered_total": "sum(covered_customers)",
    "coverage_rate_value": "max(coverage_rate)",
    "alerts_opened_total": "sum(alerts_opened)",
    "alerts_followed_by_churn_total": "sum(alerts_followed_by_churn)",
    "won_amount_total_cny": "sum(won_amount_cny)",
    "won_contract_count": "count(*)",
    "heat_map_log_total": "sum(log_count)",
    "customer_count_total": "sum(customer_count)",
    "customer_count": "count(*)",
    "open_task_count": "count(*) filter (where is_open)",
    "squad_median_response_minutes_value": "max(median_response_minutes)",
    "squad_response_target_minutes_value": "max(response_target_minutes)",
    "squad_compliance_target_value": "max(compliance_target)",
    "rep_month_count": "count(*)",
}
# Calculated columns a chart groups by, written independently of the dataset YAML.
EXPECTED_COLUMNS = {
    "region_template": "region_name || ' · ' || template_name",
}
FILTER_SQL = {
    "==": "{col} = {val}",
    ">": "{col} > {val}",
    "<": "{col} < {val}",
    "IN": "{col} in ({val})",
    "IS TRUE": "{col}",
    "IS FALSE": "not {col}",
}


@pytest.fixture(scope="module")
def api(superset_server: SupersetServer) -> requests.Session:
    return superset_server.api()


def _as_api(value: Any) -> Any:
    """A DuckDB date or timestamp as the API returns it: epoch milliseconds."""
    if isinstance(value, datetime.date):
        if not isinstance(value, datetime.datetime):
            value = datetime.datetime.combine(value, datetime.time())
        return value.replace(tzinfo=datetime.UTC).timestamp() * 1000
    return value


def _close(actual: Any, expected: Any) -> bool:
    """Money to the cent (the API returns floats, DuckDB decimals), dates as the API's epoch
    milliseconds; anything else exactly."""
    expected = _as_api(expected)
    if isinstance(expected, Decimal | float):
        return actual is not None and abs(Decimal(str(actual)) - Decimal(str(expected))) <= Decimal(
            "0.01"
        )
    return actual == expected


def _where(query: dict) -> str:
    """The chart's saved filters as SQL, from its query (only the operators the boards use)."""
    parts = []
    for item in query.get("filters", []):
        assert item["op"] in FILTER_SQL, f"extend FILTER_SQL for {item['op']!r}"
        value = item.get("val")
        values = value if isinstance(value, list) else [value]
        literal = ", ".join(f"'{v}'" if isinstance(v, str) else str(v) for v in values)
        parts.append(FILTER_SQL[item["op"]].format(col=item["col"], val=literal))
    return f" where {' and '.join(parts)}" if parts else ""


def _expected(served_db, table: str, group_by: list[str], metrics: list[str], where: str) -> dict:
    """{group values: metric values} straight from the served file."""
    unknown = [metric for metric in metrics if metric not in EXPECTED_METRICS]
    assert not unknown, f"add the meaning of {unknown} to EXPECTED_METRICS"
    columns = [EXPECTED_COLUMNS.get(column, column) for column in group_by]
    select = ", ".join([*columns, *(EXPECTED_METRICS[metric] for metric in metrics)])
    group = f" group by {', '.join(columns)}" if group_by else ""
    rows = query_served_db(served_db, f"select {select} from marts.{table}{where}{group}")
    return {tuple(map(_as_api, row[: len(group_by)])): tuple(row[len(group_by) :]) for row in rows}


def _check_numbers(chart: dict, table: str, results: list[dict], served_db) -> None:
    """Compare a chart's rows with DuckDB, by the shape its viz type returns. A table that pages
    on the server answers one page and, second, the number of rows of all pages."""
    query_context = json.loads(chart["query_context"])
    form, query = query_context["form_data"], query_context["queries"][0]
    where = _where(query)
    viz = chart["viz_type"]
    name = chart["slice_name"]
    data = results[0]["data"]
    paged = viz == "table" and form.get("server_pagination")
    if viz == "big_number_total":
        expected = _expected(served_db, table, [], [form["metric"]], where)
        assert _close(data[0][form["metric"]], expected[()][0]), name
    elif viz == "table" and form.get("query_mode") == "raw":
        (count,) = query_served_db(served_db, f"select count(*) from marts.{table}{where}")[0]
        assert len(data) == min(count, query["row_limit"]), name
        assert all(set(row) == set(form["all_columns"]) for row in data), name
        if paged:
            assert results[1]["data"] == [{"rowcount": count}], f"{name}: {results[1]['data']}"
    elif viz in {"table", "pie"}:
        group_by, metrics = form["groupby"], form.get("metrics") or [form["metric"]]
        expected = _expected(served_db, table, group_by, metrics, where)
        actual = {tuple(row[c] for c in group_by): tuple(row[m] for m in metrics) for row in data}
        if paged:  # one page of the groups, and the number of all groups
            assert len(actual) == min(len(expected), query["row_limit"]), name
            assert actual.keys() <= expected.keys(), name
            assert results[1]["data"] == [{"rowcount": len(expected)}], name
        else:
            assert actual.keys() == expected.keys(), name
        for key, values in actual.items():
            assert all(map(_close, values, expected[key])), (
                f"{name} {key}: {values} {expected[key]}"
            )
    elif viz in {"echarts_timeseries_bar", "echarts_timeseries_line"}:
        # pivoted: one row per x value, one column per series value (or per metric)
        x_axis, metrics, series = form["x_axis"], form["metrics"], form["groupby"]
        assert len(series) <= 1 and (not series or len(metrics) == 1), f"extend the check: {name}"
        expected = _expected(served_db, table, [x_axis, *series], metrics, where)
        by_x = {row[x_axis]: row for row in data}
        assert len(by_x) == len({key[0] for key in expected}), name
        for key, values in expected.items():
            row = next((r for x, r in by_x.items() if _close(x, key[0])), None)
            assert row is not None, f"{name}: no row for {key[0]}"
            columns = [str(key[1])] if series else metrics
            for column, want in zip(columns, values, strict=True):
                assert _close(row[column], want) or (want is None and row[column] is None), (
                    f"{name}: {key} {column} = {row[column]}, DuckDB {want}"
                )
    elif viz == "heatmap_v2":
        # one row per (x, y) cell with the metric, plus the rank the plugin colours by
        x_axis, y_axis, metric = form["x_axis"], form["groupby"], form["metric"]
        expected = _expected(served_db, table, [x_axis, y_axis], [metric], where)
        actual = {(row[x_axis], row[y_axis]): (row[metric],) for row in data}
        assert actual.keys() == expected.keys(), name
        for key, values in expected.items():
            assert all(map(_close, actual[key], values)), f"{name} {key}: {actual[key]} {values}"
    else:
        pytest.fail(f"no numeric check for viz_type {viz!r} ({name}): add one here")


def test_login_uses_the_generated_admin_not_a_default(superset_server: SupersetServer) -> None:
    assert superset_server.username != "admin"
    assert len(superset_server.password) >= 20
    assert superset_server.login().status_code == 200
    assert superset_server.login("admin", "admin").status_code == 401
    assert superset_server.login(password="wrong-password").status_code == 401


def test_the_event_log_beacon_cannot_undo_a_login_or_a_logout(
    superset_server: SupersetServer, manager_login: tuple[str, str]
) -> None:
    """The frontend flushes its event log (POST /superset/log/) by a beacon as a page is left,
    carrying the session cookie of that moment: at a login's submit the anonymous one, at a
    logout the logged-in one. Its answer must not set a cookie, or, arriving after the login's
    (logout's), it puts the old session back; an anonymous one is answered at once, with no
    redirect to a login page (whose answer would set that cookie too)."""
    base = superset_server.base_url
    anonymous = requests.Session()
    anonymous.get(f"{base}/login/", timeout=30)
    beacon = anonymous.post(
        f"{base}/superset/log/?explode=events",
        data={"events": "[]"},
        allow_redirects=False,
        timeout=30,
    )
    assert beacon.status_code == 204, (beacon.status_code, beacon.headers.get("location"))
    assert "set-cookie" not in beacon.headers, beacon.headers["set-cookie"]

    logged_in = superset_server.browser_session(*manager_login)
    beacon = logged_in.post(
        f"{base}/superset/log/?explode=events",
        data={"events": json.dumps([{"event_name": "spa_navigation", "path": "/"}])},
        allow_redirects=False,
        timeout=30,
    )
    assert beacon.status_code == 200 and "set-cookie" not in beacon.headers, beacon.headers
    # the session it was sent with still opens a page (the login page is what a lost one shows)
    welcome = logged_in.get(f"{base}/superset/welcome/", allow_redirects=False, timeout=30)
    assert welcome.status_code == 200, welcome.headers.get("location")


def test_the_login_page_gets_the_chinese_language_pack(superset_server: SupersetServer) -> None:
    """A browser not logged in yet gets the zh pack (with Lastmile's corrections), so the login
    page is drawn in Chinese; other languages still go through Superset's own view and checks."""
    anonymous = requests.Session()
    pack = anonymous.get(
        f"{superset_server.base_url}/superset/language_pack/zh/", allow_redirects=False, timeout=30
    )
    assert pack.status_code == 200, pack.headers.get("location")
    messages = pack.json()["locale_data"]["superset"]
    assert messages["%s record"] == ["共 %s 条"]
    assert messages["Username:"] and messages["Username:"] != ["Username:"]
    other = anonymous.get(
        f"{superset_server.base_url}/superset/language_pack/fr/", allow_redirects=False, timeout=30
    )
    assert other.status_code in (302, 401, 403), other.status_code


def test_dashboards_show_the_bundle_charts(
    api: requests.Session, superset_server: SupersetServer, bundle: Bundle
) -> None:
    base = superset_server.base_url
    dashboard_ids = ids_by_uuid(api, base, "dashboard")
    chart_ids = ids_by_uuid(api, base, "chart")
    for uuid, dashboard in bundle.dashboards.items():
        response = api.get(f"{base}/api/v1/dashboard/{dashboard_ids[uuid]}/charts", timeout=30)
        response.raise_for_status()
        served = {chart["id"]: chart["slice_name"] for chart in response.json()["result"]}
        wanted = {
            chart_ids[c]: bundle.charts[c]["slice_name"] for c in bundle.chart_uuids(dashboard)
        }
        assert served == wanted


def test_every_chart_answers_from_its_saved_query_context(
    api: requests.Session, superset_server: SupersetServer, bundle: Bundle
) -> None:
    base = superset_server.base_url
    chart_ids = ids_by_uuid(api, base, "chart")
    dataset_ids = ids_by_uuid(api, base, "dataset")
    dashboard_ids = ids_by_uuid(api, base, "dashboard")
    for dashboard_uuid, dashboard in bundle.dashboards.items():
        for chart_uuid in bundle.chart_uuids(dashboard):
            chart_id = chart_ids[chart_uuid]
            response = api.get(f"{base}/api/v1/chart/{chart_id}", timeout=30)
            response.raise_for_status()
            chart = response.json()["result"]
            name = chart["slice_name"]
            query_context = json.loads(chart["query_context"])
            # the import must have re-pointed the saved query at this installation's dataset
            dataset_id = dataset_ids[bundle.charts[chart_uuid]["dataset_uuid"]]
            assert query_context["datasource"] == {"id": dataset_id, "type": "table"}, name

            # what the dashboard page sends for this chart
            query_context["form_data"].update(
                slice_id=chart_id, dashboardId=dashboard_ids[dashboard_uuid]
            )
            response = api.post(f"{base}/api/v1/chart/data", json=query_context, timeout=60)
            assert response.status_code == 200, f"{name}: {response.text[:2000]}"
            result = response.json()["result"][0]
            assert result["error"] is None, name
            assert result["rowcount"] > 0 and result["data"], f"{name}: no rows"
            table = bundle.datasets[bundle.charts[chart_uuid]["dataset_uuid"]]["table_name"]
            _check_numbers(chart, table, response.json()["result"], superset_server.served_db)

            # what reports and thumbnails run: the saved query_context as stored
            response = api.get(f"{base}/api/v1/chart/{chart_id}/data/", timeout=60)
            assert response.status_code == 200, f"{name}: {response.text[:2000]}"
            assert response.json()["result"][0]["rowcount"] == result["rowcount"], name


def _sql_lab(api: requests.Session, base: str, database_id: int, sql: str) -> requests.Response:
    return api.post(
        f"{base}/api/v1/sqllab/execute/",
        json={"database_id": database_id, "sql": sql, "runAsync": False, "schema": "marts"},
        timeout=60,
    )


def _sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_connection_cannot_write_or_read_files(
    api: requests.Session, superset_server: SupersetServer, bundle: Bundle, tmp_path
) -> None:
    base, served_db = superset_server.base_url, superset_server.served_db
    before = _sha256(served_db)
    tables_before = query_served_db(
        served_db, "select schema_name, table_name from duckdb_tables()"
    )
    database_ids = ids_by_uuid(api, base, "database")
    leak, other = tmp_path / "leak.csv", tmp_path / "other.duckdb"
    for uuid in bundle.databases:
        database_id = database_ids[uuid]
        response = api.get(f"{base}/api/v1/database/{database_id}/connection", timeout=30)
        response.raise_for_status()
        connection = response.json()["result"]
        assert connection["backend"] == "duckdb"
        assert connection["sqlalchemy_uri"] == f"duckdb:///{served_db}"
        assert json.loads(connection["extra"])["engine_params"]["connect_args"] == {
            "read_only": True,
            "config": {"enable_external_access": False},
        }
        assert connection["allow_dml"] is False

        # DuckDB itself, not only Superset's DML guard, runs read-only without file access
        response = _sql_lab(
            api,
            base,
            database_id,
            "select current_setting('access_mode') as access_mode, "
            "current_setting('enable_external_access') as external_access",
        )
        assert response.status_code == 200, response.text[:2000]
        assert response.json()["data"] == [{"access_mode": "read_only", "external_access": False}]

        for sql in (
            "select * from read_csv('/etc/passwd')",
            f"copy (select 1 as x) to '{leak}'",
            f"attach '{other}' as other",
            "create table marts.intruder as select 1 as x",
            "insert into marts.fct_pipeline_by_region_stage "
            "select * from marts.fct_pipeline_by_region_stage",
            "drop table marts.fct_pipeline_by_region_stage",
        ):
            response = _sql_lab(api, base, database_id, sql)
            assert response.status_code >= 400, f"{sql!r} was accepted: {response.text[:500]}"
            assert "root:" not in response.text
        assert not leak.exists() and not other.exists()

    # a chart query cannot smuggle a file read in either
    dataset_id = next(iter(ids_by_uuid(api, base, "dataset").values()))
    sneaky_metric = {
        "expressionType": "SQL",
        "sqlExpression": "(select count(*) from read_csv('/etc/passwd'))",
        "label": "x",
    }
    response = api.post(
        f"{base}/api/v1/chart/data",
        json={
            "datasource": {"id": dataset_id, "type": "table"},
            "queries": [{"columns": [], "metrics": [sneaky_metric], "row_limit": 10}],
            "result_format": "json",
            "result_type": "full",
        },
        timeout=60,
    )
    assert response.status_code >= 400, response.text[:500]
    assert "root:" not in response.text

    assert _sha256(served_db) == before, "the served file changed"
    assert query_served_db(served_db, "select schema_name, table_name from duckdb_tables()") == (
        tables_before
    )


# --- 数据质量: the board's numbers are the ingestion's audit -----------------------------------


def _board_data(api: requests.Session, base: str, bundle: Bundle, slug: str) -> dict[str, list]:
    """Chart name → the chart-data API's results, for every chart of a board."""
    chart_ids = ids_by_uuid(api, base, "chart")
    dataset_ids = ids_by_uuid(api, base, "dataset")
    board = next(d for d in bundle.dashboards.values() if d["slug"] == slug)
    answers = {}
    for chart_uuid in bundle.chart_uuids(board):
        chart = bundle.charts[chart_uuid]
        body = json.loads(chart["query_context"])
        body["datasource"]["id"] = dataset_ids[chart["dataset_uuid"]]
        body["form_data"]["slice_id"] = chart_ids[chart_uuid]
        body["queries"][0]["row_limit"] = 100_000  # every row, not the table's first page
        response = api.post(f"{base}/api/v1/chart/data", json=body, timeout=60)
        assert response.status_code == 200, f"{chart['slice_name']}: {response.text[:500]}"
        answers[chart["slice_name"]] = response.json()["result"]
    return answers


def test_the_data_quality_board_equals_the_ingestion_audit(
    api: requests.Session, superset_server: SupersetServer, bundle: Bundle, pipeline_run
) -> None:
    """Every number of 数据质量, through the chart-data API, against ingest.file_audit and
    ingest.quarantine read straight from the build file (not from the marts)."""
    build_db = pipeline_run.settings.build_db
    answers = _board_data(api, superset_server.base_url, bundle, "data-quality")

    def number(name: str) -> int:
        (row,) = answers[name][0]["data"]
        return int(next(iter(row.values())))

    def rowcount(name: str) -> int:
        return int(next(iter(answers[name][1]["data"][0].values())))

    ((files, rejected, quarantined, duplicate, loaded),) = query_served_db(
        build_db,
        "select count(*), count(*) filter (where status = 'rejected'), "
        "sum(rows_quarantined), sum(rows_duplicate), sum(rows_loaded) from ingest.file_audit",
    )
    ((quarantine_rows,),) = query_served_db(build_db, "select count(*) from ingest.quarantine")
    assert quarantine_rows > 0 and files > 0, "the sample company plants quarantined rows"
    assert number("接入文件数") == files
    assert number("被拒收文件数") == rejected
    assert number("隔离行数") == quarantined == quarantine_rows
    assert rowcount("接入文件明细（被拒收、有隔离行或警告的在前）") == files
    assert rowcount("隔离行明细（原始值已脱敏）") == quarantine_rows

    # per table and reason (the seed's Chinese names), and per source system, as the audit counts
    reason_names = {
        row["code"]: row["label"]
        for row in csv.DictReader(
            (REPO_ROOT / "dbt_project" / "seeds" / "ingest_labels.csv").open(encoding="utf-8")
        )
        if row["code_set"] == "reason"
    }
    table_names = {
        (source, table): (source_label, table_label)
        for source, table, source_label, table_label in query_served_db(
            superset_server.served_db,
            "select source, table_name, source_label, table_label from marts.fct_source_freshness",
        )
    }
    audited = {
        (*table_names[(source, table)], reason_names[reason]): count
        for source, table, reason, count in query_served_db(
            build_db,
            "select source, table_name, reason_code, count(*) from ingest.quarantine "
            "group by source, table_name, reason_code",
        )
    }
    drawn_reasons = {
        (row["source_label"], row["table_label"], row["reason_label"]): row["quarantine_row_count"]
        for row in answers["隔离原因汇总"][0]["data"]
    }
    assert drawn_reasons == audited
    labels = dict(
        query_served_db(
            superset_server.served_db,
            "select distinct source, source_label from marts.fct_source_freshness",
        )
    )
    per_source = {
        labels[source]: (int(q), int(d))
        for source, q, d in query_served_db(
            build_db,
            "select source, sum(rows_quarantined), sum(rows_duplicate) from ingest.file_audit "
            "where source is not null and source <> '' group by source",
        )
    }
    drawn = {
        row["source_label"]: (int(row["rows_quarantined_total"]), int(row["rows_duplicate_total"]))
        for row in answers["各来源系统的隔离行与重复行"][0]["data"]
    }
    assert drawn == per_source

    # the freshness table: one row per contract table, its totals those of the audit
    freshness = answers["各数据表新鲜度（按接入计划，超时的在前）"]
    ((tables,),) = query_served_db(
        superset_server.served_db, "select count(*) from marts.fct_source_freshness"
    )
    assert int(next(iter(freshness[1]["data"][0].values()))) == tables
    ((table_loaded,),) = query_served_db(
        superset_server.served_db, "select sum(rows_loaded) from marts.fct_source_freshness"
    )
    assert int(table_loaded) == int(loaded)
    ((stale,),) = query_served_db(
        superset_server.served_db, "select count(*) from marts.fct_source_freshness where is_stale"
    )
    assert number("超时未到的数据表") == stale
