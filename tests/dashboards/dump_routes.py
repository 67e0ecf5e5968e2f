"""Print every route the Lastmile Superset app serves as JSON lines: method, rule, endpoint.

Run with the Superset environment's Python (.venv-superset) and a Lastmile Superset's
environment (tooling.bench.superset.superset_env); the security matrix test compares the
routes with tests/dashboards/superset_routes.yaml, so a route a Superset upgrade adds fails it
until someone decides how it is checked.
"""

import json
import os
import sys
import warnings
from pathlib import Path

warnings.filterwarnings("ignore")
DASHBOARDS_DIR = Path(__file__).resolve().parents[2] / "dashboards"
sys.path.insert(0, str(DASHBOARDS_DIR))
os.environ.setdefault("SUPERSET_CONFIG_PATH", str(DASHBOARDS_DIR / "superset_config.py"))
os.environ.setdefault("SUPERSET_HOME", str(Path(os.environ["LASTMILE_HOME"]) / "superset"))

from lastmile_superset.app import create_app  # noqa: E402

app = create_app()
rows = sorted(
    {
        (method, rule.rule, rule.endpoint)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
)
for method, rule, endpoint in rows:
    print(json.dumps({"method": method, "rule": rule, "endpoint": endpoint}))
