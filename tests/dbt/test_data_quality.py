"""The data-quality view (数据质量) on a landing folder of its own: a few files ingested for real
(`python -m pipelines.ingest`), then dbt builds the data-quality marts from the audit. A renamed
optional column shows as an unknown column and a warning, a rejected file with its reason, a
phone number in a quarantined cell never in clear, a table whose last file is older than its
schedule as stale — and a stale table raises one outbox alert per stale period."""

from __future__ import annotations

import csv
import os
import re
import shutil
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from pipelines.config import CONTRACT_PATH, DBT_PROJECT_DIR
from pipelines.ingest.contract import FILE_REASONS, ROW_REASONS, SKIP_REASONS, load_contract
from pipelines.outbox.delivery import enqueue, load_config
from tests.conftest import run

SEEDS = DBT_PROJECT_DIR / "seeds"
PHONE = re.compile(r"1[3-9]\d([\s-]*\d){8}")
THREE_DAYS = 3 * 24 * 3600


def _seed(name: str) -> list[dict[str, str]]:
    with (SEEDS / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_contract_table_has_a_schedule_row():
    contract = load_contract(CONTRACT_PATH)
    tables = {(t.source, t.name) for t in contract.tables}
    scheduled = [(row["source"], row["table_name"]) for row in _seed("source_schedules")]
    assert len(scheduled) == len(set(scheduled))
    assert set(scheduled) == tables


def test_every_ingestion_reason_has_a_chinese_name():
    labels = {row["code"] for row in _seed("ingest_labels") if row["code_set"] == "reason"}
    assert set(ROW_REASONS) | set(FILE_REASONS) | set(SKIP_REASONS) == labels


@dataclass(frozen=True)
class QualityRun:
    build_db: Path
    landing: Path

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(self.build_db), read_only=True) as conn:
            return conn.execute(sql, params or []).fetchall()


def _write(path: Path, rows: list[list[str]], mtime: float | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    if mtime is not None:
        os.utime(path, (mtime, mtime))


@pytest.fixture(scope="module")
def quality_run(tmp_path_factory) -> QualityRun:
    home = tmp_path_factory.mktemp("data_quality")
    landing = home / "landing"
    build_db = home / "build.duckdb"
    now = time.time()
    _write(landing / "crm" / "regions.csv", [["区域编号", "区域名称"], ["R1", "华东区"]])
    # the roster renamed an optional column (邮箱 → 电子邮箱): email is missing and an unknown
    # header appears — loaded, with a warning; it landed three days ago (stale: 26 h schedule)
    _write(
        landing / "crm" / "reps.csv",
        [
            ["员工编号", "姓名", "角色", "电子邮箱"],
            ["E1", "张三", "销售", "zhangsan@example.com"],
            ["E2", "李四", "销售", "lisi@example.com"],
        ],
        mtime=now - THREE_DAYS,
    )
    # a phone number typed into an amount column is quarantined (implausible_value)
    _write(
        landing / "crm" / "customers.csv",
        [
            ["客户编号", "客户名称", "区域编号", "客户状态", "年采购额"],
            ["C1", "甲公司", "R1", "活跃", "120000"],
            ["C2", "乙公司", "R1", "活跃", "+86 138 1234 5678"],
        ],
    )
    # a required column missing: the file is rejected
    _write(landing / "crm" / "opportunities.csv", [["名称"], ["无编号的商机"]])
    env = dict(
        os.environ,
        LASTMILE_LANDING_DIR=str(landing),
        LASTMILE_BUILD_DB=str(build_db),
        LASTMILE_SETTLE_SECONDS="0",
        LASTMILE_DBT_TARGET="ci",
        LASTMILE_PII_KEY="test-only-pii-key",
    )
    run([sys.executable, "-m", "pipelines.ingest"], env=env)
    dbt = str(Path(sys.executable).parent / "dbt")
    run(
        [
            dbt,
            "build",
            "--indirect-selection",
            "cautious",
            "--select",
            "source_schedules ingest_labels code_labels "
            "+fct_landing_files +fct_source_freshness +fct_quarantine_rows",
            "--profiles-dir",
            ".",
            "--target",
            "ci",
            "--target-path",
            str(home / "target"),
        ],
        env=env,
        cwd=DBT_PROJECT_DIR,
    )
    return QualityRun(build_db=build_db, landing=landing)


def test_a_renamed_optional_column_is_a_warning_with_its_unknown_column(quality_run):
    (row,) = quality_run.query(
        "select file_status_label, unknown_columns, unknown_column_count, warning_label, "
        "warning_details, needs_attention_label, rows_loaded "
        "from marts.fct_landing_files where file_path = 'crm/reps.csv'"
    )
    status, unknown, unknown_count, warning, details, attention, loaded = row
    assert (status, unknown, unknown_count, loaded) == ("已加载", "电子邮箱", 1, 2)
    assert warning.startswith("可选列未找到且出现未识别的列")
    assert "email" in details  # the missing column, as the ingestion named it
    assert attention == "是"
    (warned,) = quality_run.query(
        "select warning_file_count from marts.fct_source_freshness where table_name = 'reps'"
    )
    assert warned == (1,)


def test_a_rejected_file_shows_with_its_reason(quality_run):
    (row,) = quality_run.query(
        "select file_status_label, reason_code, reason_label, error_message, rows_loaded "
        "from marts.fct_landing_files where file_path = 'crm/opportunities.csv'"
    )
    assert row[:3] == ("已拒收", "missing_required_column", "缺少必需列")
    assert "opportunity_id" in row[3] and row[4] == 0


def test_quarantined_cells_never_show_a_phone_number_in_clear(quality_run):
    (row,) = quality_run.query(
        "select column_label, raw_value_masked, reason_label, source_row_number "
        "from marts.fct_quarantine_rows where file_path = 'crm/customers.csv'"
    )
    assert row == (
        "annual_purchase_cny 列",
        "138**** 5678",
        "数值不合常理（如金额列中的手机号）",
        3,
    )
    for (value,) in quality_run.query("select raw_value_masked from marts.fct_quarantine_rows"):
        assert not PHONE.search(value), value
    # the audit itself keeps the raw cell, for engineers in the build file only
    (raw,) = quality_run.query("select raw_value from ingest.quarantine")
    assert PHONE.search(raw[0])


def test_freshness_against_the_schedule(quality_run):
    statuses = dict(
        quality_run.query(
            "select table_name, freshness_status from marts.fct_source_freshness "
            "where source = 'crm'"
        )
    )
    assert statuses["reps"] == "stale"  # landed three days ago, 26 h allowed
    assert statuses["customers"] == "on_time"
    assert statuses["regions"] == "no_schedule"
    assert statuses["opportunities"] == "never_loaded"  # its only file was rejected
    (hours,) = quality_run.query(
        "select hours_since_last_loaded_file from marts.fct_source_freshness "
        "where table_name = 'reps'"
    )
    assert 71 < hours[0] < 73


def test_a_stale_table_raises_one_outbox_alert_per_stale_period(quality_run, tmp_path):
    build_db = tmp_path / "build.duckdb"
    shutil.copy(quality_run.build_db, build_db)
    actions = tuple(a for a in load_config().actions if a.name == "source_stale")
    now = datetime(2026, 12, 5, 6, 0)

    def reps_messages(conn) -> list[str]:
        return [
            payload
            for (payload,) in conn.execute(
                "select payload from ops.outbox where message_id like 'source_stale:crm:reps:%' "
                "order by created_at, message_id"
            ).fetchall()
        ]

    with duckdb.connect(str(build_db)) as conn:
        stale = conn.execute(
            "select count(*) from marts.fct_source_freshness where is_stale"
        ).fetchone()[0]
        assert enqueue(conn, actions, now) == stale
        (message,) = reps_messages(conn)
        assert "CRM系统·销售人员花名册：超时未到" in message and "crm/reps.csv" in message
        # the next runs while it stays stale: no new message
        assert enqueue(conn, actions, now) == 0
        # a new file ends the period: nothing to send
        conn.execute(
            "update marts.fct_source_freshness set is_stale = false, "
            "stale_since_key = '2026-12-06 05:00:00' where table_name = 'reps'"
        )
        assert enqueue(conn, actions, now) == 0
        # that file too grows older than the schedule: a new period, one new message
        conn.execute(
            "update marts.fct_source_freshness set is_stale = true where table_name = 'reps'"
        )
        assert enqueue(conn, actions, now) == 1
        assert enqueue(conn, actions, now) == 0
        assert len(reps_messages(conn)) == 2
