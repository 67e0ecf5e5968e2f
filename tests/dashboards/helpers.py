"""What the dashboards tests share: the parsed bundle and a handle on a running Superset."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
DASHBOARDS_DIR = REPO_ROOT / "dashboards"
BUNDLE_DIR = DASHBOARDS_DIR / "bundle"


# --- the bundle ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bundle:
    """The parsed bundle; every mapping is keyed by UUID."""

    metadata: dict[str, Any]
    databases: dict[str, dict[str, Any]]
    datasets: dict[str, dict[str, Any]]
    charts: dict[str, dict[str, Any]]
    dashboards: dict[str, dict[str, Any]]
    files: dict[str, Path]  # UUID → file, for messages

    def chart_uuids(self, dashboard: dict[str, Any]) -> list[str]:
        """The charts a dashboard shows, in layout order, by their position's meta.uuid."""
        return [
            node["meta"].get("uuid")
            for node in dashboard["position"].values()
            if isinstance(node, dict) and node.get("type") == "CHART"
        ]


def load_bundle(root: Path = BUNDLE_DIR) -> Bundle:
    kinds: dict[str, dict[str, dict[str, Any]]] = {
        "databases": {},
        "datasets": {},
        "charts": {},
        "dashboards": {},
    }
    files: dict[str, Path] = {}
    for path in sorted(root.rglob("*.yaml")):
        kind = path.relative_to(root).parts[0]
        if kind not in kinds:
            continue
        config = yaml.safe_load(path.read_text(encoding="utf-8"))
        uuid = str(config["uuid"])
        assert uuid not in files, f"UUID {uuid} in both {files.get(uuid)} and {path}"
        kinds[kind][uuid] = config
        files[uuid] = path
    metadata = yaml.safe_load((root / "metadata.yaml").read_text(encoding="utf-8"))
    return Bundle(metadata=metadata, files=files, **kinds)


@dataclass(frozen=True)
class SupersetServer:
    base_url: str
    username: str
    password: str
    served_db: Path
    home: Path
    log_path: Path

    def login(self, username: str | None = None, password: str | None = None) -> requests.Response:
        return requests.post(
            f"{self.base_url}/api/v1/security/login",
            json={
                "username": username or self.username,
                "password": password or self.password,
                "provider": "db",
            },
            timeout=30,
        )

    def api(self) -> requests.Session:
        """A session as a REST client uses it: JWT bearer, plus the CSRF token (and the
        session cookie it is bound to) that Superset's own POST/PUT endpoints require."""
        response = self.login()
        response.raise_for_status()
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
        csrf = session.get(f"{self.base_url}/api/v1/security/csrf_token/", timeout=30)
        csrf.raise_for_status()
        session.headers["X-CSRFToken"] = csrf.json()["result"]
        session.headers["Referer"] = self.base_url
        return session


def query_served_db(path: Path, sql: str) -> list[tuple[Any, ...]]:
    """Read the served file directly, read-only, closing at once (as Superset does)."""
    import duckdb

    connection = duckdb.connect(str(path), read_only=True)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()
