"""The server's size and the warming plan, without Superset (plain modules of dashboards/)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

DASHBOARDS_DIR = Path(__file__).resolve().parents[2] / "dashboards"


def _module(name: str, path: Path) -> ModuleType:
    if str(DASHBOARDS_DIR) not in sys.path:
        sys.path.insert(0, str(DASHBOARDS_DIR))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


sizing = _module("lastmile_sizing", DASHBOARDS_DIR / "lastmile_superset" / "sizing.py")
cache_keys = _module("lastmile_cache_keys", DASHBOARDS_DIR / "lastmile_superset" / "cache_keys.py")


def test_defaults_follow_the_machine() -> None:
    two = sizing.sizing({}, cores=2, memory_mb=24_000)
    assert (two.workers, two.threads, two.duckdb_threads) == (2, 4, 1)
    assert two.duckdb_memory_limit == "3000MB"  # a quarter of the memory, shared by 2 workers
    eight = sizing.sizing({}, cores=8, memory_mb=64_000)
    assert (eight.workers, eight.duckdb_threads) == (8, 1)
    # memory bounds the workers: half of 2 GB holds one ~600 MB worker
    small = sizing.sizing({}, cores=4, memory_mb=2048)
    assert (small.workers, small.duckdb_threads) == (1, 4)
    assert small.duckdb_memory_limit == "512MB"
    one = sizing.sizing({}, cores=1, memory_mb=1024)
    assert (one.workers, one.threads, one.duckdb_threads) == (1, 4, 1)
    assert one.duckdb_memory_limit == "256MB"  # never below the floor


def test_the_environment_overrides_every_knob() -> None:
    env = {
        "LASTMILE_SUPERSET_WORKERS": "3",
        "LASTMILE_SUPERSET_THREADS": "16",
        "LASTMILE_SERVE_DUCKDB_THREADS": "2",
        "LASTMILE_SERVE_DUCKDB_MEMORY_LIMIT": "6GB",
    }
    size = sizing.sizing(env, cores=2, memory_mb=24_000)
    assert size == sizing.Sizing(3, 16, 2, "6GB")
    # workers alone: DuckDB's threads and memory are shared among them
    assert sizing.sizing({"LASTMILE_SUPERSET_WORKERS": "1"}, cores=2, memory_mb=24_000) == (
        sizing.Sizing(1, 4, 2, "6000MB")
    )
    assert "3 worker(s) × 16 threads" in size.describe()


@pytest.mark.parametrize("value", ["0", "-1", "many"])
def test_a_bad_value_stops_with_its_name(value: str) -> None:
    with pytest.raises(RuntimeError, match="LASTMILE_SUPERSET_WORKERS"):
        sizing.sizing({"LASTMILE_SUPERSET_WORKERS": value}, cores=2, memory_mb=24_000)


def test_gunicorn_is_started_with_the_size() -> None:
    serve = _module("lastmile_serve", DASHBOARDS_DIR / "serve.py")
    argv = serve.gunicorn_argv("127.0.0.1", 8088, sizing.Sizing(3, 5, 1, "1GB"))
    assert "--workers=3" in argv and "--threads=5" in argv


def test_only_templated_clauses_make_the_cache_key_personal() -> None:
    assert not cache_keys.rls_depends_on_user([])  # every row: managers share entries
    assert not cache_keys.rls_depends_on_user(["1 = 0-"])  # the default deny
    assert cache_keys.rls_depends_on_user(["rep_id = '{{ current_username() }}'-"])
    assert cache_keys.rls_depends_on_user(["{% if true %}1 = 1{% endif %}-"])


def test_the_warming_plan_shares_what_the_key_shares() -> None:
    warm = _module("lastmile_warm", DASHBOARDS_DIR / "warm.py")
    security = _module("lastmile_security", DASHBOARDS_DIR / "security.py")
    config = security.load_config()

    def chart(id_: int, slug: str):
        return warm.Chart(id_, f"chart {id_}", slug, 1, {})

    boards = {
        "my-board": [chart(1, "my-board"), chart(2, "my-board")],
        "squad-board": [chart(3, "squad-board")],
        "customer-health": [chart(4, "customer-health"), chart(2, "customer-health")],
        "drill-through": [chart(5, "drill-through")],
    }
    people = [
        security.Person("E1", "director 1", "", "Lastmile Manager", True),
        security.Person("E2", "director 2", "", "Lastmile Manager", True),
        security.Person("R1", "rep 1", "", "Lastmile Rep", True),
        security.Person("R2", "rep 2", "", "Lastmile Rep", True),
        security.Person("R3", "gone", "", "Lastmile Rep", False),
        security.Person("S1", "squad lead", "", "Lastmile Squad Lead", True),
        security.Person("lastmile_analyst", "analyst", "", "Lastmile Analyst", True),
    ]
    passwords = {p.username: "x" for p in people}
    scopes = warm.plan_scopes(config, people, boards, passwords)
    planned = {(s.login, s.role): sorted(c.id for c in s.charts) for s in scopes}
    assert planned == {
        ("R1", "Lastmile Rep"): [1, 2],  # each rep: their own rows, their own entries
        ("R2", "Lastmile Rep"): [1, 2],
        ("S1", "Lastmile Squad Lead"): [3],
        ("E1", "Lastmile Manager"): [2, 4, 5],  # one manager for all of them
        ("lastmile_analyst", "Lastmile Analyst"): [1, 3],  # all rows too: only what is left
    }
    # a login without a password (not bootstrapped yet) is skipped, not failed
    del passwords["R2"]
    assert ("R2", "Lastmile Rep") not in {
        (s.login, s.role) for s in warm.plan_scopes(config, people, boards, passwords)
    }
