"""Boards keep answering while the pipeline publishes: chart-data requests fired continuously
through several publish-by-swap cycles must all succeed, with the same numbers."""

import threading
import time

import pytest

from pipelines.publish import publish

pytestmark = pytest.mark.superset


def test_charts_answer_through_repeated_publishes(superset_server, pipeline_run):
    api = superset_server.api()
    base = superset_server.base_url
    charts = api.get(f"{base}/api/v1/chart/", params={"q": "(page_size:100)"}, timeout=30)
    charts.raise_for_status()
    chart_ids = [chart["id"] for chart in charts.json()["result"]][:4]
    assert chart_ids

    outcomes: list[tuple[int, int, int | None]] = []  # (chart, HTTP status, rowcount)
    stop = threading.Event()

    def fire() -> None:
        deadline = time.monotonic() + 120  # bounded even if the main thread dies
        while not stop.is_set() and time.monotonic() < deadline and len(outcomes) < 2000:
            for chart_id in chart_ids:
                # force=true: past Superset's cache, so every request opens the served file
                response = api.get(
                    f"{base}/api/v1/chart/{chart_id}/data/", params={"force": "true"}, timeout=60
                )
                rowcount = None
                if response.status_code == 200:
                    rowcount = response.json()["result"][0]["rowcount"]
                outcomes.append((chart_id, response.status_code, rowcount))

    worker = threading.Thread(target=fire, daemon=True)
    worker.start()
    try:
        time.sleep(1.0)
        settings = pipeline_run.settings
        for _ in range(6):
            publish(settings.build_db, settings.serve_db)
            time.sleep(0.5)
    finally:
        stop.set()
        worker.join(timeout=90)

    failures = [o for o in outcomes if o[1] != 200]
    assert not failures, f"{len(failures)} of {len(outcomes)} requests failed: {failures[:5]}"
    assert len(outcomes) >= 2 * len(chart_ids), "too few requests overlapped the publishes"
    rowcounts: dict[int, set] = {}
    for chart_id, _, rowcount in outcomes:
        rowcounts.setdefault(chart_id, set()).add(rowcount)
    assert all(len(counts) == 1 for counts in rowcounts.values()), rowcounts
    assert not list(settings.serve_db.parent.glob("*.publishing")), "a staging file was left"


def test_a_publish_shows_new_numbers_past_the_chart_cache(superset_server, pipeline_run, tmp_path):
    """Chart answers are cached per login and per version of the served file: asked twice, a
    chart answers from the cache; after a publish that changed the mart, the same request (no
    force) answers the new numbers; the original publish brings the old ones back."""
    import json

    import duckdb

    api = superset_server.api()
    base = superset_server.base_url
    charts = api.get(f"{base}/api/v1/chart/", params={"q": "(page_size:100)"}, timeout=30)
    chart_id = next(
        c["id"] for c in charts.json()["result"] if c["slice_name"] == "区域 × 阶段在途商机明细"
    )
    saved = api.get(f"{base}/api/v1/chart/{chart_id}", timeout=30).json()["result"]
    body = json.loads(saved["query_context"])

    def answer() -> tuple[int, bool]:
        response = api.post(f"{base}/api/v1/chart/data", json=body, timeout=60)
        assert response.status_code == 200, response.text[:500]
        result = response.json()["result"][0]
        return result["rowcount"], result["is_cached"]

    settings = pipeline_run.settings
    rows, _ = answer()
    assert answer() == (rows, True), "the second request is not answered from the cache"

    changed = tmp_path / "changed.duckdb"
    with duckdb.connect(str(changed)) as conn:
        conn.execute(f"attach '{settings.build_db}' as build (read_only)")
        conn.execute("create schema marts")
        for (table,) in conn.execute(
            "select table_name from information_schema.tables "
            "where table_catalog = 'build' and table_schema = 'marts'"
        ).fetchall():
            conn.execute(f"create table marts.{table} as select * from build.marts.{table}")
        conn.execute(
            "delete from marts.fct_pipeline_by_region_stage where region_id = "
            "(select min(region_id) from marts.fct_pipeline_by_region_stage)"
        )
    try:
        publish(changed, settings.serve_db)
        fewer, cached = answer()
        assert fewer < rows and not cached, (rows, fewer, cached)
    finally:
        publish(settings.build_db, settings.serve_db)
    assert answer()[0] == rows
