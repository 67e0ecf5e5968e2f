"""Static checks of dashboards/bundle/: every reference resolves, every dataset is a dbt mart,
and what a manager reads is in Chinese. A renamed model or column fails here, in CI, not on
a manager's Monday."""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

import yaml

from pipelines.config import parse_yaml
from tests.dashboards.helpers import DASHBOARDS_DIR, REPO_ROOT, Bundle

MARTS_DIR = REPO_ROOT / "dbt_project" / "models" / "marts"
SERVE_DB_URI = "duckdb:///${LASTMILE_SERVE_DB}"
CJK = re.compile(r"[\u4e00-\u9fff]")


@functools.cache
def _documented_mart_columns() -> dict[str, set[str]]:
    """Every mart model's documented columns, from the marts' YAML files (read once)."""
    columns: dict[str, set[str]] = {}
    for properties in sorted(MARTS_DIR.rglob("*.yml")):
        for entry in (parse_yaml(properties.read_text(encoding="utf-8")) or {}).get("models", []):
            names = {column["name"] for column in entry.get("columns", [])}
            columns.setdefault(entry["name"], set()).update(names)
    return columns


def _dbt_mart_columns(model: str) -> set[str] | None:
    """Columns documented for a mart model, or None when no marts/**/<model>.sql exists."""
    if not list(MARTS_DIR.rglob(f"{model}.sql")):
        return None
    return _documented_mart_columns().get(model, set())


def test_bundle_is_an_assets_bundle(bundle: Bundle) -> None:
    assert bundle.metadata["version"] == "1.0.0"
    assert bundle.metadata["type"] == "assets", "ImportAssetsCommand needs type: assets"
    assert bundle.dashboards, "the bundle has no dashboard"


def test_every_dashboard_chart_exists(bundle: Bundle) -> None:
    for uuid, dashboard in bundle.dashboards.items():
        chart_uuids = bundle.chart_uuids(dashboard)
        assert chart_uuids, f"{bundle.files[uuid]}: no charts"
        for chart_uuid in chart_uuids:
            # without meta.uuid the next export duplicates the chart
            assert chart_uuid, f"{bundle.files[uuid]}: a CHART node has no meta.uuid"
            assert chart_uuid in bundle.charts, f"{bundle.files[uuid]}: no chart {chart_uuid}"
        assert len(chart_uuids) == len(set(chart_uuids)), f"{bundle.files[uuid]}: chart twice"


def test_every_chart_dataset_exists_and_query_context_is_saved(bundle: Bundle) -> None:
    for uuid, chart in bundle.charts.items():
        where = bundle.files[uuid]
        assert chart["dataset_uuid"] in bundle.datasets, f"{where}: unknown dataset"
        assert chart["params"]["viz_type"] == chart["viz_type"], where
        # the chart-data API (and reports, thumbnails) run the saved query_context
        assert chart.get("query_context"), f"{where}: no query_context saved"
        query_context = json.loads(chart["query_context"])
        assert query_context["queries"], f"{where}: query_context has no query"
        assert query_context["form_data"]["viz_type"] == chart["viz_type"], where
        for key in ("slice_id", "chart_id", "dashboardId"):
            assert key not in query_context["form_data"], f"{where}: installation id {key}"


def test_every_dataset_database_exists(bundle: Bundle) -> None:
    for uuid, dataset in bundle.datasets.items():
        assert dataset["database_uuid"] in bundle.databases, f"{bundle.files[uuid]}"


def test_database_is_the_served_duckdb_file_read_only(bundle: Bundle) -> None:
    assert bundle.databases
    for uuid, database in bundle.databases.items():
        where = bundle.files[uuid]
        # the bootstrap fills in the path; a committed machine path is a bug
        assert database["sqlalchemy_uri"] == SERVE_DB_URI, where
        assert database["extra"]["engine_params"]["connect_args"] == {
            "read_only": True,
            "config": {"enable_external_access": False},
        }, where
        assert database["allow_dml"] is False, where
        assert database["allow_file_upload"] is False, where
        assert database["allow_ctas"] is False and database["allow_cvas"] is False, where


def test_every_dataset_is_a_dbt_mart(bundle: Bundle) -> None:
    assert MARTS_DIR.is_dir(), f"{MARTS_DIR} does not exist"
    for uuid, dataset in bundle.datasets.items():
        where = bundle.files[uuid]
        model = dataset["table_name"]
        assert dataset["schema"] == "marts", f"{where}: datasets read the marts schema"
        assert not dataset.get("sql"), f"{where}: physical tables only, no custom SQL"
        documented = _dbt_mart_columns(model)
        assert documented is not None, f"{where}: no dbt model {MARTS_DIR}/**/{model}.sql"
        physical = {c["column_name"] for c in dataset["columns"] if not c.get("expression")}
        missing = physical - documented
        assert not missing, f"{where}: columns {sorted(missing)} not documented on {model}"


def test_what_managers_read_is_chinese(bundle: Bundle) -> None:
    for uuid, dashboard in bundle.dashboards.items():
        assert CJK.search(dashboard["dashboard_title"]), bundle.files[uuid]
    for uuid, chart in bundle.charts.items():
        assert CJK.search(chart["slice_name"]), bundle.files[uuid]
    for uuid, dataset in bundle.datasets.items():
        for item in dataset["columns"] + dataset["metrics"]:
            name = item.get("column_name") or item["metric_name"]
            assert CJK.search(item.get("verbose_name") or ""), f"{bundle.files[uuid]}: {name}"


def test_libyaml_reads_every_bundle_file_as_the_python_loader_does() -> None:
    """dashboards/bootstrap.py hands Superset's import libyaml's safe loader: every bundle file
    must come out the same as from PyYAML's pure-Python safe loader, which Superset uses."""
    assert yaml.__with_libyaml__, "PyYAML without libyaml: the bootstrap falls back to Python"
    files = sorted((DASHBOARDS_DIR / "bundle").rglob("*.yaml"))
    assert len(files) > 50
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert yaml.load(text, Loader=yaml.CSafeLoader) == yaml.safe_load(text), path


def test_bundle_files_are_named_by_content(bundle: Bundle) -> None:
    """Stable names: charts carry their UUID, nothing carries an installation's id."""
    for uuid, chart in bundle.charts.items():
        assert bundle.files[uuid].name == f"{chart['viz_type']}_{uuid}.yaml"
    for path in bundle.files.values():
        assert Path(path).suffix == ".yaml"
        assert not re.search(r"_\d+\.yaml$", Path(path).name), f"{path}: id-based name"


# --- what a person reads: names, formats, periods, one board per role ------------------------

ID_NAMES = {"customer_id": "customer_name", "rep_id": "rep_name", "region_id": "region_name"}
MONTH_OR_WEEK_GRAINS = {"P1W", "P1M", "P3M", "P1Y"}


def _shown(chart: dict) -> list[str]:
    """The dataset columns a chart shows (table columns, groupings, x axis)."""
    params = chart["params"]
    shown = []
    for key in ("all_columns", "groupby", "x_axis"):
        value = params.get(key) or []
        shown += [value] if isinstance(value, str) else value  # heatmap: groupby is one column
    return [c for c in shown if isinstance(c, str)]


def _columns(bundle: Bundle, chart: dict) -> dict[str, dict]:
    dataset = bundle.datasets[chart["dataset_uuid"]]
    return {column["column_name"]: column for column in dataset["columns"]}


def test_charts_show_names_and_labels_not_codes_or_booleans(bundle: Bundle) -> None:
    """A chart shows a customer, rep or region by name (its id only beside the name, as a
    detail), and never a true/false column: the marts carry 是/否 and name columns for that."""
    for uuid, chart in bundle.charts.items():
        where = f"{bundle.files[uuid]} ({chart['slice_name']})"
        shown, columns = _shown(chart), _columns(bundle, chart)
        for id_column, name_column in ID_NAMES.items():
            if id_column in shown:
                assert name_column in shown, f"{where}: {id_column} without {name_column}"
        booleans = [c for c in shown if columns[c]["type"] == "BOOLEAN"]
        assert not booleans, f"{where}: shows true/false in {booleans}"


def test_money_is_yuan_with_thousands(bundle: Bundle) -> None:
    """Every money metric and every money column a table shows has a ¥ format ($ is the yuan
    in superset_config.D3_FORMAT) with thousands separators."""
    for uuid, dataset in bundle.datasets.items():
        for metric in dataset["metrics"]:
            if metric["metric_name"].endswith("_cny"):
                assert (metric["d3format"] or "").startswith("$,"), (
                    f"{bundle.files[uuid]}: {metric['metric_name']} is money"
                )
    for uuid, chart in bundle.charts.items():
        config = chart["params"].get("column_config") or {}
        for column in chart["params"].get("all_columns") or []:
            if column.endswith("_cny"):
                assert config.get(column, {}).get("d3NumberFormat", "").startswith("$,"), (
                    f"{bundle.files[uuid]}: {column} is money"
                )
        if any(m.endswith("_cny") for m in chart["params"].get("metrics") or []) and chart[
            "viz_type"
        ].startswith("echarts"):
            assert chart["params"]["y_axis_format"].startswith("$,"), bundle.files[uuid]


def test_periods_are_labelled_and_sorted(bundle: Bundle) -> None:
    """Months and weeks are drawn from the marts' *_label columns (YYYY-MM…, sorted as text,
    the running period marked 截至…), never by grouping a date column to a month or week; a raw
    table sorts explicitly."""
    for uuid, chart in bundle.charts.items():
        where = bundle.files[uuid]
        params = chart["params"]
        assert params.get("time_grain_sqla") not in MONTH_OR_WEEK_GRAINS, where
        x_axis = params.get("x_axis")
        if x_axis and _columns(bundle, chart)[x_axis]["is_dttm"]:
            assert params.get("time_grain_sqla") == "P1D", f"{where}: {x_axis} by day only"
        if params.get("query_mode") == "raw":
            assert params.get("order_by_cols"), f"{where}: a raw table sorts explicitly"
        for column in _shown(chart):
            if column.endswith(("_month", "month_start", "week_start")):
                raise AssertionError(f"{where}: shows {column}; show its *_label column")


def test_tables_say_how_many_rows(bundle: Bundle) -> None:
    """A table of rows pages through all of them on the server and its search box says how
    many there are (共 N 条), sorted by columns it shows; an aggregate table shows its row count
    in the search box."""
    for uuid, chart in bundle.charts.items():
        params = chart["params"]
        if chart["viz_type"] != "table":
            continue
        assert params.get("include_search"), f"{bundle.files[uuid]}: no row count"
        if params.get("query_mode") == "raw":
            assert params.get("server_pagination"), f"{bundle.files[uuid]}: capped silently"
            # the row count of a paged table is that query without its columns: sorting by a
            # column it does not show makes DuckDB refuse it
            sorted_by = {json.loads(item)[0] for item in params.get("order_by_cols") or []}
            assert sorted_by <= set(params["all_columns"]), (
                f"{bundle.files[uuid]}: sorts by {sorted_by - set(params['all_columns'])}"
            )


def test_p95_has_its_own_chart(bundle: Bundle) -> None:
    """A P95 of response minutes (thousands of minutes) never shares an axis with the median
    and the target (tens of minutes)."""
    for uuid, chart in bundle.charts.items():
        metrics = chart["params"].get("metrics") or []
        if any("p95" in m for m in metrics):
            assert all("p95" in m for m in metrics), f"{bundle.files[uuid]}: {metrics}"


def test_health_statuses_are_red_amber_green(bundle: Bundle) -> None:
    """Boards that draw the health status colour 红/黄/绿 red, amber and green."""
    for uuid, dashboard in bundle.dashboards.items():
        charts = [bundle.charts[c] for c in bundle.chart_uuids(dashboard)]
        if not any(col.startswith("health_status") for c in charts for col in _shown(c)):
            continue
        colors = dashboard["metadata"]["label_colors"]
        red, amber, green = (colors[label].lstrip("#") for label in ("红", "黄", "绿"))
        rgb = {
            name: tuple(int(h[i : i + 2], 16) for i in (0, 2, 4))
            for name, h in (("red", red), ("amber", amber), ("green", green))
        }
        assert rgb["red"][0] > 150 and rgb["red"][1] < 100, bundle.files[uuid]
        assert rgb["amber"][0] > 200 and 120 < rgb["amber"][1] < 200, bundle.files[uuid]
        assert rgb["green"][1] > rgb["green"][0] + 50, bundle.files[uuid]


def test_every_role_draws_every_chart_of_its_boards(bundle: Bundle) -> None:
    """Each role's boards exist, and a role that does not see all rows has only charts on
    datasets a row scope of security.yaml filters for it (the bootstrap's "cannot draw" list
    is empty): no role meets an empty or forbidden chart because of its permissions."""
    config = yaml.safe_load((DASHBOARDS_DIR / "security.yaml").read_text(encoding="utf-8"))
    scope_columns = [scope["column"] for scope in config["scopes"]]
    slugs = {d["slug"]: d for d in bundle.dashboards.values()}
    readers = set()
    for name, role in config["roles"].items():
        boards = slugs if role["boards"] == "all" else role["boards"]
        assert set(boards) <= set(slugs), f"{name}: boards {set(boards) - set(slugs)} missing"
        readers |= set(boards)
        if role["sees_all_rows"]:
            continue
        for slug in boards:
            for chart_uuid in bundle.chart_uuids(slugs[slug]):
                chart = bundle.charts[chart_uuid]
                columns = _columns(bundle, chart)
                assert any(c in columns for c in scope_columns), (
                    f"{name} cannot draw {chart['slice_name']} on {slug}"
                )
    assert readers == set(slugs), f"boards nobody reads: {set(slugs) - readers}"
