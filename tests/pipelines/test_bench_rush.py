"""The Monday-morning rush of the bench (tooling/bench/rush.py): summary, verdicts, report."""

from __future__ import annotations

from tooling.bench import rush as R
from tooling.bench.report import merge_section


def _run(board_ms: list[float], errors: int = 0) -> dict:
    charts = [
        {"chart": f"c{i}", "ms": 100.0 + i, "error": "HTTP 500" if i < errors else None,
         "cached": i % 2 == 0, "board": "my-board", "role": "Lastmile Rep"}
        for i in range(10)
    ]  # fmt: skip
    draws = [
        {"board": "my-board", "role": "Lastmile Rep", "login": f"E{i}", "ms": ms, "errors": 0}
        for i, ms in enumerate(board_ms)
    ]
    return R.summarize_rush(charts, draws, [50.0, 60.0], [], wall_s=2.0)


def test_a_rush_is_summarised_per_chart_and_per_board() -> None:
    run = _run([1000.0, 2000.0, 2500.0])
    assert run["requests"] == 10 and run["errors"] == 0
    assert run["requests_per_s"] == 5.0 and run["cached_share"] == 0.5
    (board,) = run["boards"]
    assert board["visits"] == 3 and board["charts_per_visit"] == 3
    assert board["board_p95_ms"] == 2450.0


def test_verdicts_need_no_errors_and_every_board_within_3_s() -> None:
    rush = {
        "users": 50,
        "distinct_logins": 37,
        "roles": {"Lastmile Rep": 50},
        "server": "2 worker(s) × 4 threads",
        "cores": 2,
        "load_at_start": 1.0,
        "load_at_end": 2.0,
        "cold": _run([4000.0, 5000.0]),
        "warmed": _run([1000.0, 1200.0]),
        "warm": {"returncode": 0, "wall_s": 12.0, "summary": "warmed 10/10"},
        "dataset": "scale1",
    }
    assert [t["verdict"] for t in R.targets(rush)] == ["not met", "met"]
    rush["warmed"] = _run([1000.0, 1200.0], errors=1)
    assert [t["verdict"] for t in R.targets(rush)] == ["not met", "not met"]
    section = R.render(rush, date="2026-12-05", command="python -m tooling.bench", commit="abc")
    assert section.startswith(R.RUSH_BEGIN) and section.rstrip().endswith(R.RUSH_END)
    assert "Per board, warmed" in section and "warmed 10/10" in section
    # --rush-only replaces its section and leaves the rest of the report alone
    report = "# Benchmarks\n\nintro\n"
    once = merge_section(report, section, R.RUSH_BEGIN, R.RUSH_END)
    again = merge_section(
        once, section.replace("warmed 10/10", "warmed 9/10"), R.RUSH_BEGIN, R.RUSH_END
    )
    assert again.count(R.RUSH_BEGIN) == 1 and "warmed 9/10" in again
    assert once.startswith(report.rstrip("\n"))
