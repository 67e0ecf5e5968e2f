"""Export the dashboards of a running Superset into dashboards/bundle/, normalised for git.

    .venv/bin/python dashboards/export_bundle.py [--url http://127.0.0.1:8088]

The workflow for changing a dashboard: bootstrap and serve, edit in the UI (save charts from
Explore so their query_context is saved), run this script, review `git diff dashboards/bundle`,
commit. It exports every dashboard with its charts, datasets and database through
GET /api/v1/dashboard/export/ and then:

- replaces the DuckDB path in the database YAML by ${LASTMILE_SERVE_DB} (the bootstrap fills
  it in again), so no machine's path is committed;
- names files by content, not by database id: databases/<name>.yaml,
  datasets/<db>/<table>.yaml, charts/<viz_type>_<uuid>.yaml, dashboards/<slug>.yaml;
- drops this installation's ids (slice_id, chart_id, dashboardId) from chart params and
  query_context; the import resolves everything by UUID;
- writes YAML and JSON with readable Chinese instead of \\u escapes;
- refuses charts without a saved query_context (the chart-data API needs it).

Admin credentials come from $LASTMILE_HOME/superset/secrets.json (see bootstrap.py).
"""

from __future__ import annotations

import argparse
import io
import json
import re
import shutil
import sys
import zipfile
from pathlib import Path

import requests
import yaml
from bootstrap import BUNDLE_DIR, SERVE_DB_PLACEHOLDER, admin_credentials, resolve_paths

INSTALLATION_IDS = ("slice_id", "chart_id", "dashboardId")


def _dump(config: dict) -> str:
    return yaml.safe_dump(config, allow_unicode=True, sort_keys=False, width=100)


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").lower()


def normalise(files: dict[str, str]) -> dict[str, str]:
    """Exported files (paths without the zip's root folder) → bundle files."""
    bundle = {"metadata.yaml": _dump({"version": "1.0.0", "type": "assets"})}
    for name, text in files.items():
        kind = name.split("/", 1)[0]
        if kind not in {"databases", "datasets", "charts", "dashboards"}:
            continue
        config = yaml.safe_load(text)
        if kind == "databases":
            uri = config["sqlalchemy_uri"]
            if not uri.startswith("duckdb:///"):
                raise SystemExit(f"{name}: only the DuckDB serve database belongs in the bundle")
            config["sqlalchemy_uri"] = f"duckdb:///{SERVE_DB_PLACEHOLDER}"
            path = f"databases/{_safe_name(config['database_name'])}.yaml"
        elif kind == "datasets":
            for key in ("columns", "metrics"):  # export order follows ids: sort for stable diffs
                config[key] = sorted(
                    config[key], key=lambda item: item.get("column_name") or item["metric_name"]
                )
            path = f"datasets/{name.split('/')[1]}/{_safe_name(config['table_name'])}.yaml"
        elif kind == "charts":
            if not config.get("query_context"):
                raise SystemExit(
                    f"chart {config['slice_name']!r} has no query_context: open it in Explore "
                    "and save it, then export again"
                )
            for key in INSTALLATION_IDS:
                config["params"].pop(key, None)
            query_context = json.loads(config["query_context"])
            for key in INSTALLATION_IDS:
                query_context.get("form_data", {}).pop(key, None)
            config["query_context"] = json.dumps(query_context, ensure_ascii=False)
            path = f"charts/{config['viz_type']}_{config['uuid']}.yaml"
        else:
            chart_nodes = [
                node
                for node in config["position"].values()
                if isinstance(node, dict) and node.get("type") == "CHART"
            ]
            for node in chart_nodes:
                if not node.get("meta", {}).get("uuid"):
                    raise SystemExit(
                        f"dashboard {config['dashboard_title']!r}: chart node {node['id']} "
                        "has no meta.uuid (the export would duplicate it)"
                    )
            slug = _safe_name(config.get("slug") or "") or f"dashboard_{config['uuid']}"
            path = f"dashboards/{slug}.yaml"
        if path in bundle:
            raise SystemExit(f"two exported files map to {path}")
        bundle[path] = _dump(config)
    return bundle


def export(base_url: str, username: str, password: str) -> dict[str, str]:
    session = requests.Session()
    response = session.post(
        f"{base_url}/api/v1/security/login",
        json={"username": username, "password": password, "provider": "db"},
        timeout=30,
    )
    response.raise_for_status()
    session.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
    listing = session.get(
        f"{base_url}/api/v1/dashboard/", params={"q": "(page_size:100)"}, timeout=30
    )
    listing.raise_for_status()
    ids = [dashboard["id"] for dashboard in listing.json()["result"]]
    if not ids:
        raise SystemExit("no dashboards to export")
    response = session.get(
        f"{base_url}/api/v1/dashboard/export/",
        params={"q": f"!({','.join(map(str, ids))})"},
        timeout=60,
    )
    response.raise_for_status()
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        return {
            name.split("/", 1)[1]: archive.read(name).decode()
            for name in archive.namelist()
            if name.endswith(".yaml")
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8088")
    parser.add_argument("--bundle-dir", type=Path, default=BUNDLE_DIR)
    args = parser.parse_args(argv)

    username, password = admin_credentials(resolve_paths())
    bundle = normalise(export(args.url.rstrip("/"), username, password))
    shutil.rmtree(args.bundle_dir, ignore_errors=True)
    for name, text in sorted(bundle.items()):
        path = args.bundle_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
