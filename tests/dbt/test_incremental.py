"""The large facts built incrementally give the same rows as a full rebuild.

A real daily cycle on real dbt runs: the warehouse is built as of two days before the company's
last day (the cut, the evaluation date of the first build), from its data up to then — except the
sales logs and WeCom messages of the last two days, which landed early and must be ignored by that
build; then the rest of the last two days land (rows appended with a later load time, as a new
landing file would), with meetings, proposals and interactions that arrive late — dated two to
four days before the cut, inside the incremental window —, an old sales log is corrected by a
re-export, an old log and an old WeCom message disappear from the landing files, and an
incremental build runs as of the last day. A full rebuild (``--full-refresh``) of the same raw data
as of the same day must give exactly the same rows in every mart and in the incremental
intermediate models. Then the incremental warehouse is evaluated as of an earlier day than its
last build (a replay): it must equal a full rebuild as of that day, with nothing dated after it.
"""

import csv
import shutil
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from pipelines.config import DBT_PROJECT_DIR
from pipelines.extract.quotes import load_patterns, write_wecom_quotes
from tests.dbt.test_dbt_build import dbt
from tests.warehouses import rows_only_in_each

# raw table → the column that dates a row (rows after the cut arrive in the second load)
LATE_ROWS = {
    "raw_crm.sales_logs": "log_at",
    "raw_wecom.messages": "msgtime",
    "raw_meetings.meetings": "start_at",
    "raw_docs.documents_sent": "sent_at",
    "raw_social.interactions": "occurred_at",
    "raw_erp.deliveries": "actual_date",
}
# facts dated after the cut that landed before the first build (its evaluation date ignores them)
EARLY_LANDED = ("raw_crm.sales_logs", "raw_wecom.messages")
# health facts that land late: dated this many days before the cut (within the 7-day window)
LATE_HEALTH_FACTS = ("raw_meetings.meetings", "raw_docs.documents_sent", "raw_social.interactions")
LATE_BY_DAYS = (2, 4)
INCREMENTAL_MODELS = (
    "fct_customer_health_daily",
    "fct_sales_log_compliance",
    "int_sales_logs_checked",
    "int_wecom_messages_keyed",
    "int_communication_objection_matches",
)
SUMMARY_LABEL = "摘要"
DBT_SCHEMAS = ("marts", "intermediate", "staging", "config")
BUILD = ["build", "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"]
# a replay evaluates this many days before the cut
REPLAY_DAYS_BEFORE_CUT = 3


def as_of(day) -> list[str]:
    return ["--vars", f'{{"evaluation_date": "{day}"}}']


def templates_requiring(field_name: str) -> list[str]:
    seed = DBT_PROJECT_DIR / "seeds" / "sales_log_required_fields.csv"
    with seed.open(encoding="utf-8") as handle:
        return [
            row["template_code"]
            for row in csv.DictReader(handle)
            if row["field_name"] == field_name
        ]


def raw_only_copy(build_db: Path, target: Path) -> None:
    """The pipeline's build file with only what ingestion wrote (no dbt relations)."""
    shutil.copy(build_db, target)
    with duckdb.connect(str(target)) as conn:
        for schema in DBT_SCHEMAS:
            conn.execute(f"drop schema if exists {schema} cascade")


def hold_back_late_rows(conn: duckdb.DuckDBPyConnection) -> object:
    """Move the rows dated after the cut (but for the early-landed ones), and the late health
    facts, into a holding table; returns the cut."""
    last_day = conn.execute("select max(cast(log_at as date)) from raw_crm.sales_logs").fetchone()
    cut = last_day[0] - timedelta(days=2)
    conn.execute("create schema held")
    for table, column in LATE_ROWS.items():
        held = "held." + table.replace(".", "__")
        where = "false" if table in EARLY_LANDED else f"cast({column} as date) > date '{cut}'"
        if table in LATE_HEALTH_FACTS:
            late_from, late_to = (cut - timedelta(days=d) for d in reversed(LATE_BY_DAYS))
            where += f" or cast({column} as date) between date '{late_from}' and date '{late_to}'"
        conn.execute(f"create table {held} as select * from {table} where {where}")
        conn.execute(f"delete from {table} where {where}")
    # a sales log's competitor quotes arrive with the log
    conn.execute(
        "create table held.quotes as select * from raw_crm.competitor_quotes "
        "where log_id in (select log_id from held.raw_crm__sales_logs)"
    )
    conn.execute(
        "delete from raw_crm.competitor_quotes where log_id in (select log_id from held.quotes)"
    )
    return cut


def land_late_rows_and_corrections(conn: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """The second load: the held rows land, one old log is corrected, one old log and one old
    message vanish from the landing files. Returns the ids touched."""
    later = "current_timestamp::timestamp + interval 1 hour"
    for table in LATE_ROWS:
        held = "held." + table.replace(".", "__")
        conn.execute(f"update {held} set _ingested_at = {later}")
        conn.execute(f"insert into {table} select * from {held}")
    conn.execute(f"update held.quotes set _ingested_at = {later}")
    conn.execute("insert into raw_crm.competitor_quotes select * from held.quotes")

    old_logs = conn.execute(
        "select log_id from raw_crm.sales_logs where summary is not null and template in ? "
        "and log_id not in (select log_id from held.raw_crm__sales_logs) "
        "order by log_at, log_id limit 2",
        [templates_requiring("summary")],
    ).fetchall()
    corrected, vanished = old_logs[0][0], old_logs[1][0]
    conn.execute(
        "insert into raw_crm.sales_logs select * replace (null as summary, "
        f"'crm/sales_logs_correction.csv' as _source_file, {later} as _ingested_at) "
        "from raw_crm.sales_logs where log_id = ? limit 1",
        [corrected],
    )
    conn.execute("delete from raw_crm.sales_logs where log_id = ?", [vanished])
    conn.execute("delete from raw_crm.competitor_quotes where log_id = ?", [vanished])
    message = conn.execute(
        "select min(msgid) from raw_wecom.messages where msgid not in "
        "(select msgid from held.raw_wecom__messages)"
    ).fetchone()[0]
    conn.execute("delete from raw_wecom.messages where msgid = ?", [message])
    conn.execute("drop schema held cascade")
    write_wecom_quotes(conn, load_patterns())
    return {"corrected_log": corrected, "vanished_log": vanished, "vanished_message": message}


def relations(conn: duckdb.DuckDBPyConnection, catalog: str) -> list[str]:
    rows = conn.execute(
        "select table_schema || '.' || table_name from information_schema.tables "
        "where table_catalog = ? and table_type = 'BASE TABLE' "
        "and (table_schema = 'marts' or table_name in ?) order by 1",
        [catalog, list(INCREMENTAL_MODELS)],
    ).fetchall()
    return [name for (name,) in rows]


@pytest.fixture(scope="module")
def daily_cycle(pipeline_run, tmp_path_factory) -> dict:
    work = tmp_path_factory.mktemp("incremental")
    incremental = work / "incremental.duckdb"
    raw_only_copy(pipeline_run.settings.build_db, incremental)
    with duckdb.connect(str(incremental)) as conn:
        cut = hold_back_late_rows(conn)
        write_wecom_quotes(conn, load_patterns())
    dbt(*BUILD, *as_of(cut), build_db=incremental, target_path=work / "first")
    with duckdb.connect(str(incremental), read_only=True) as conn:
        first_days = conn.execute(
            "select max(health_date) from marts.fct_customer_health_daily"
        ).fetchone()[0]
        early = {
            "raw_logs_after_cut": conn.execute(
                "select count(*) from raw_crm.sales_logs where cast(log_at as date) > ?", [cut]
            ).fetchone()[0],
            "built_logs_after_cut": conn.execute(
                "select count(*) from marts.fct_sales_log_compliance "
                "where cast(log_at as date) > ?",
                [cut],
            ).fetchone()[0],
        }
    last_day = cut + timedelta(days=2)
    with duckdb.connect(str(incremental)) as conn:
        touched = land_late_rows_and_corrections(conn)
    dbt(*BUILD, *as_of(last_day), build_db=incremental, target_path=work / "second")
    full = work / "full.duckdb"
    shutil.copy(incremental, full)
    dbt(*BUILD, *as_of(last_day), "--full-refresh", build_db=full, target_path=work / "full")
    return {
        "work": work,
        "incremental": incremental,
        "full": full,
        "cut": cut,
        "first_last_health_date": first_days,
        "second_target": work / "second",
        **early,
        **touched,
    }


@pytest.fixture(scope="module")
def replay(daily_cycle) -> dict:
    """The incremental warehouse evaluated again as of an earlier day, and a full rebuild of the
    same raw data as of that day."""
    work = daily_cycle["work"]
    day = daily_cycle["cut"] - timedelta(days=REPLAY_DAYS_BEFORE_CUT)
    replayed, full = work / "replayed.duckdb", work / "replay_full.duckdb"
    shutil.copy(daily_cycle["incremental"], replayed)
    shutil.copy(daily_cycle["incremental"], full)
    dbt(*BUILD, *as_of(day), build_db=replayed, target_path=work / "replayed")
    dbt(*BUILD, *as_of(day), "--full-refresh", build_db=full, target_path=work / "replay_full")
    return {"day": day, "incremental": replayed, "full": full}


def test_the_second_build_was_incremental(daily_cycle):
    # the compiled SQL of the second build reads the previous build (is_incremental() was true)
    for model in INCREMENTAL_MODELS:
        [compiled] = (daily_cycle["second_target"] / "compiled").rglob(f"{model}.sql")
        assert "previous_build" in compiled.read_text(encoding="utf-8"), model


def test_increments_add_the_late_days_and_apply_corrections(daily_cycle):
    with duckdb.connect(str(daily_cycle["incremental"]), read_only=True) as conn:
        last_day = conn.execute(
            "select max(health_date) from marts.fct_customer_health_daily"
        ).fetchone()[0]
        # the first build was evaluated as of the cut, so the late facts change days already
        # built; the logs dated after it had landed, and were ignored
        assert daily_cycle["first_last_health_date"] == daily_cycle["cut"]
        assert daily_cycle["raw_logs_after_cut"] > 0
        assert daily_cycle["built_logs_after_cut"] == 0
        assert last_day > daily_cycle["first_last_health_date"]
        logs = dict(
            conn.execute(
                "select log_id, missing_fields from marts.fct_sales_log_compliance "
                "where log_id in (?, ?)",
                [daily_cycle["corrected_log"], daily_cycle["vanished_log"]],
            ).fetchall()
        )
        assert daily_cycle["vanished_log"] not in logs
        # the re-export emptied the corrected log's summary, a required field of every template
        assert SUMMARY_LABEL in logs[daily_cycle["corrected_log"]].split("、")
        gone = conn.execute(
            "select count(*) from intermediate.int_wecom_messages_keyed where message_id = ?",
            [daily_cycle["vanished_message"]],
        ).fetchone()[0]
        assert gone == 0
        late_logs = conn.execute(
            "select count(*) from marts.fct_sales_log_compliance where cast(log_at as date) > ?",
            [daily_cycle["cut"]],
        ).fetchone()[0]
        assert late_logs > 0


def differences(incremental: Path, full: Path) -> dict[str, tuple[int, int]]:
    """Per mart and incremental model: rows only in one build, only in the other."""
    with duckdb.connect() as conn:
        conn.execute(f"attach '{incremental}' as inc (read_only)")
        conn.execute(f"attach '{full}' as full_build (read_only)")
        tables = relations(conn, "inc")
        assert tables == relations(conn, "full_build")
        assert {t.split(".")[1] for t in tables} >= set(INCREMENTAL_MODELS)
        found = {}
        for table in tables:
            only_inc, only_full = rows_only_in_each(conn, "inc", "full_build", table)
            if only_inc or only_full:
                found[table] = (only_inc, only_full)
    return found


def test_a_full_rebuild_gives_the_same_rows_as_the_increments(daily_cycle):
    found = differences(daily_cycle["incremental"], daily_cycle["full"])
    assert found == {}, f"rows only in the increments / only in the full rebuild: {found}"


def test_evaluating_an_earlier_day_leaves_nothing_dated_after_it(replay):
    found = differences(replay["incremental"], replay["full"])
    assert found == {}, f"rows only in the replay / only in its full rebuild: {found}"
    with duckdb.connect(str(replay["incremental"]), read_only=True) as conn:
        last_health, last_log, last_message = conn.execute(
            "select (select max(health_date) from marts.fct_customer_health_daily), "
            "(select max(cast(log_at as date)) from marts.fct_sales_log_compliance), "
            "(select max(sent_date) from intermediate.int_wecom_messages_keyed)"
        ).fetchone()
    assert last_health == replay["day"]
    assert last_log <= replay["day"] and last_message <= replay["day"]
