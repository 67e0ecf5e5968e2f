"""Static checks of dashboards/bundle/: every reference resolves, every dataset is a dbt mart,
and what a manager reads is in Chinese. A renamed model or column fails here, in CI, not on
a manager's Monday."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from tests.dashboards.helpers import REPO_ROOT, Bundle

MARTS_DIR = REPO_ROOT / "dbt_project" / "models" / "marts"
SERVE_DB_URI = "duckdb:///${LASTMILE_SERVE_DB}"
CJK = re.compile(r"[\u4e00-\u9fff]")


def _dbt_mart_columns(model: str) -> set[str] | None:
    """Columns documented for a mart model, or None when no marts/**/<model>.sql exists."""
    if not list(MARTS_DIR.rglob(f"{model}.sql")):
        return None
    columns: set[str] = set()
    for properties in MARTS_DIR.rglob("*.yml"):
        for entry in (yaml.safe_load(properties.read_text(encoding="utf-8")) or {}).get(
            "models", []
        ):
            if entry.get("name") == model:
                columns |= {column["name"] for column in entry.get("columns", [])}
    return columns


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


def test_bundle_files_are_named_by_content(bundle: Bundle) -> None:
    """Stable names: charts carry their UUID, nothing carries an installation's id."""
    for uuid, chart in bundle.charts.items():
        assert bundle.files[uuid].name == f"{chart['viz_type']}_{uuid}.yaml"
    for path in bundle.files.values():
        assert Path(path).suffix == ".yaml"
        assert not re.search(r"_\d+\.yaml$", Path(path).name), f"{path}: id-based name"
