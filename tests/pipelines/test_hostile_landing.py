"""A hostile landing folder through a real run: 43 broken, odd or dangerous files beside the
generated company (tests/pipelines/hostile.py). Every file is loaded, partly quarantined, rejected
or skipped with its reason; the rows each holds (counted from how it was built) are all accounted
for; no file fails the run; the good rows reach the served marts; rejections are named in the
run's summary and alerted through the outbox; a refused file is never read."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from pipelines.config import REPO_ROOT, Settings, load_settings
from tests.pipelines.homes import private_home, run_pipeline
from tests.pipelines.hostile import SECRET, SETTLING, Expect, Refs, write_corpus


@dataclass
class HostileRun:
    settings: Settings  # the private home's paths
    env: dict[str, str]
    expects: list[Expect]
    returncode: int
    stdout: str
    stderr: str


def company_refs(build_db: Path, landing: Path) -> Refs:
    with duckdb.connect(str(build_db), read_only=True) as conn:
        customer, contact = conn.execute(
            "select customer_id, contact_id from raw_crm.contacts order by contact_id limit 1"
        ).fetchall()[0]
        reps = [r for (r,) in conn.execute(
            "select rep_id from raw_crm.reps where role = 'rep' and left_date is null order by 1"
        ).fetchall()]  # fmt: skip
    with_sheet = {p.name.split("_")[0] for p in (landing / "rep_sheets").iterdir()}
    message_file = sorted((landing / "wecom").glob("messages*.jsonl"))[0]
    meeting_file = sorted((landing / "meetings").glob("meetings*.json"))[0]
    return Refs(
        customer=customer,
        contact=contact,
        rep=reps[0],
        rep_without_sheet=next(r for r in reps if r not in with_sheet),
        message=json.loads(message_file.read_text(encoding="utf-8").splitlines()[0]),
        meeting=json.loads(meeting_file.read_text(encoding="utf-8"))["data"][0],
    )


@pytest.fixture(scope="module")
def hostile(pipeline_run, tmp_path_factory) -> HostileRun:
    home = tmp_path_factory.mktemp("hostile_home")
    env = private_home(pipeline_run, home)
    settings = load_settings(env)
    landing = settings.landing_dir
    outside = tmp_path_factory.mktemp("outside_landing")
    expects = write_corpus(landing, outside, company_refs(settings.build_db, landing))
    # every file has settled, except the one still being copied
    day_ago = time.time() - 86_400
    for path in landing.rglob("*"):
        settling = path.relative_to(landing).as_posix() == SETTLING
        if path.is_file() and not path.is_symlink() and not settling:
            os.utime(path, (day_ago, day_ago))
    env["LASTMILE_SETTLE_SECONDS"] = "600"
    done = run_pipeline(env, timeout=1200)
    return HostileRun(settings, env, expects, done.returncode, done.stdout, done.stderr)


def test_the_corpus_is_hostile_enough(hostile):
    kinds = {e.status for e in hostile.expects}
    assert len(hostile.expects) >= 30 and kinds == {"loaded", "rejected", "skipped"}
    assert sum(1 for e in hostile.expects if e.quarantined) >= 10


def test_no_bad_file_fails_the_run(hostile):
    assert hostile.returncode == 0, hostile.stdout[-3000:] + hostile.stderr[-3000:]


def audit_rows(build_db: Path) -> dict[str, dict]:
    with duckdb.connect(str(build_db), read_only=True) as conn:
        cursor = conn.execute("select * from ingest.file_audit")
        names = [d[0] for d in cursor.description]
        return {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}


def test_every_hostile_file_is_accounted_for_row_by_row(hostile):
    audit = audit_rows(hostile.settings.build_db)
    with duckdb.connect(str(hostile.settings.build_db), read_only=True) as conn:
        quarantine = conn.execute(
            "select file_path, row_number, reason_code from ingest.quarantine"
        ).fetchall()
        for expect in hostile.expects:
            row = audit.get(expect.path)
            assert row is not None, f"{expect.path} ({expect.what}) is not in the audit"
            got = (row["status"], row["error_code"])
            assert got == (expect.status, expect.code), f"{expect.path}: {expect.what}: {row}"
            counts = tuple(row[k] or 0 for k in ("rows_read", "rows_loaded", "rows_quarantined",
                                                   "rows_duplicate"))  # fmt: skip
            want = (expect.read, expect.loaded, expect.quarantined, expect.duplicate)
            assert counts == want, f"{expect.path}: {expect.what}"
            # read (counted independently, by construction) = loaded + quarantined + duplicate
            assert expect.read == expect.loaded + expect.quarantined + expect.duplicate
            reasons = sorted((r, code) for path, r, code in quarantine if path == expect.path)
            assert reasons == sorted(expect.reasons), f"{expect.path}: {expect.what}"
            if expect.source_rows is not None:
                rows = conn.execute(
                    f"select _source_row from {expect.table} where _source_file = ? order by 1",
                    [expect.path],
                ).fetchall()
                assert [r for (r,) in rows] == expect.source_rows, expect.path
            if expect.status == "rejected":
                assert row["error_message"], expect.path
            if expect.warning:
                assert expect.warning in row["warnings"], expect.path


def test_the_good_rows_reach_the_served_marts(hostile):
    good = sorted({i for e in hostile.expects for i in e.good_ids})
    assert len(good) >= 20
    with duckdb.connect(str(hostile.settings.serve_db), read_only=True) as conn:
        served = {r for (r,) in conn.execute(
            "select log_id from marts.fct_sales_log_compliance where log_id like 'SLH%'"
        ).fetchall()}  # fmt: skip
    assert set(good) <= served, sorted(set(good) - served)[:10]


def test_the_summary_names_every_rejected_and_skipped_file_with_its_reason(hostile):
    for expect in hostile.expects:
        if expect.status in ("rejected", "skipped"):
            assert f"{expect.path}: {expect.code}: " in hostile.stdout, expect.path
    assert "Rejected files" in hostile.stdout and "Loaded with a warning" in hostile.stdout


def test_rejections_are_alerted_through_the_outbox(hostile):
    rejected = {e.path for e in hostile.expects if e.status == "rejected"}
    with duckdb.connect(str(hostile.settings.build_db), read_only=True) as conn:
        alerted = [p for (p,) in conn.execute(
            "select payload from ops.outbox where action = 'landing_rejection'"
        ).fetchall()]  # fmt: skip
    texts = [json.loads(p)["text"]["content"] for p in alerted]
    for path in rejected:
        assert any(path in text for text in texts), path


def test_a_refused_file_is_never_read_and_no_message_quotes_content(hostile):
    assert SECRET not in hostile.stdout + hostile.stderr
    with duckdb.connect(str(hostile.settings.build_db), read_only=True) as conn:
        for table in ("ingest.file_audit", "ingest.quarantine", "raw_crm.sales_logs", "ops.outbox"):
            found = conn.execute(
                f"select count(*) from {table} as t where cast(t as varchar) like ?",
                [f"%{SECRET}%"],
            ).fetchall()[0][0]
            assert found == 0, table
        messages = [m for (m,) in conn.execute(
            "select error_message from ingest.file_audit where status = 'rejected'"
        ).fetchall()]  # fmt: skip
    # a rejected file's message names the contract's columns, never the file's cells
    assert not any("SLH" in m or "售后回访" in m for m in messages), messages


def test_a_file_left_for_the_next_run_is_read_once_it_settles(hostile):
    with duckdb.connect(str(hostile.settings.build_db), read_only=True) as conn:
        before = conn.execute("select count(*) from raw_crm.sales_logs").fetchall()[0][0]
    env = dict(hostile.env, LASTMILE_SETTLE_SECONDS="0")
    done = subprocess.run(
        [sys.executable, "-m", "pipelines.ingest", "--table", "crm.sales_logs"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    audit = audit_rows(hostile.settings.build_db)
    assert audit[SETTLING]["status"] == "loaded" and audit[SETTLING]["rows_loaded"] == 1
    with duckdb.connect(str(hostile.settings.build_db), read_only=True) as conn:
        after = conn.execute("select count(*) from raw_crm.sales_logs").fetchall()[0][0]
    assert after == before + 1  # every other file was unchanged: nothing else moved
