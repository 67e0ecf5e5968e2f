"""A company's own words for coded values (its CRM writes stages 方案 and urgency 高/中/低):
quarantined with the accepted values listed, then loaded after one change to the contract; the
codes themselves come from the seeds (the stage list's one home)."""

import os
import re
import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.config import CONTRACT_PATH, DBT_PROJECT_DIR
from pipelines.ingest.contract import ContractError, load_contract
from pipelines.ingest.engine import ingest_table

SEEDS = DBT_PROJECT_DIR / "seeds"

# A small CRM extract, as another company's system writes it.
FILES = {
    "crm/regions.csv": "region_id,region_name\nR1,华东大区\n",
    "crm/reps.csv": "rep_id,rep_name,role\nE1,王强,rep\n",
    "crm/customers.csv": "customer_id,customer_name,region_id,status\nC1,宁波精机,R1,active\n",
    "crm/opportunities.csv": (
        "商机编号,客户编号,负责人工号,商机阶段,金额,创建时间\n"
        "O1,C1,E1,方案,100000,2026-03-01 09:00\n"
        "O2,C1,E1,需求,50000,2026-03-02 09:00\n"
        "O3,C1,E1,商务谈判,70000,2026-03-03 09:00\n"
    ),
    "crm/leads.csv": (
        "线索编号,线索来源,创建时间,紧急程度\n"
        "L1,渠道报备,2026-03-01 10:00,高\n"
        "L2,渠道报备,2026-03-01 11:00,中\n"
        "L3,官网,2026-03-01 12:00,低\n"
        "L4,官网,2026-03-01 13:00,一般\n"
    ),
}

# The one configuration change: the company's spellings beside the ones already accepted.
SPELLINGS = [
    ("              demo: [方案演示]\n", "              demo: [方案演示, 方案]\n"),
    ("              qualify: [需求确认]\n", "              qualify: [需求确认, 需求]\n"),
    ("              high: [紧急]\n", "              high: [紧急, 高]\n"),
    ("              medium: [一般]\n", "              medium: [一般, 中]\n"),
    ("              low: [不急]\n", "              low: [不急, 低]\n"),
]


def write_landing(root: Path) -> Path:
    for rel, text in FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        os.utime(path, (1_700_000_000, 1_700_000_000))  # long settled
    return root


def ingest_crm(conn, contract, landing: Path) -> None:
    for table in contract.ordered_tables():
        ingest_table(conn, contract, table, landing)


def quarantined(conn) -> dict[tuple[str, int], tuple[str, str, str]]:
    rows = conn.execute(
        "select file_path, row_number, column_name, reason_code, reason from ingest.quarantine"
    ).fetchall()
    return {(path, row): (column, reason, detail) for path, row, column, reason, detail in rows}


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    return write_landing(tmp_path / "landing")


def test_unmapped_values_are_quarantined_with_the_accepted_values_listed(tmp_path, landing):
    conn = duckdb.connect(str(tmp_path / "build.duckdb"))
    ingest_crm(conn, load_contract(CONTRACT_PATH), landing)
    held = quarantined(conn)
    stage = held[("crm/opportunities.csv", 2)]
    assert stage[:2] == ("stage", "invalid_value")
    # every stage code of the seed is listed, with the spellings the contract accepts
    for code in ["lead", "qualify", "demo", "negotiation", "contract", "won", "lost"]:
        assert re.search(rf"\b{code}\b", stage[2]), stage[2]
    assert "demo (方案演示)" in stage[2]
    assert held[("crm/opportunities.csv", 3)][:2] == ("stage", "invalid_value")
    urgency = held[("crm/leads.csv", 2)]
    assert urgency == (
        "urgency",
        "invalid_value",
        "crm/leads.csv, row 2, column urgency: not one of the accepted values "
        "(accepted: high (紧急), medium (一般), low (不急))",
    )
    assert {key for key in held if key[0] == "crm/leads.csv"} == {
        ("crm/leads.csv", 2),
        ("crm/leads.csv", 3),
        ("crm/leads.csv", 4),
    }
    # what the company already writes the standard way loads
    assert conn.execute("select opportunity_id, stage from raw_crm.opportunities").fetchall() == [
        ("O3", "negotiation")
    ]
    assert conn.execute("select lead_id, urgency from raw_crm.leads").fetchall() == [
        ("L4", "medium")
    ]


def test_the_same_files_load_after_one_change_to_the_contract(tmp_path, landing):
    text = CONTRACT_PATH.read_text(encoding="utf-8")
    for old, new in SPELLINGS:
        assert text.count(old) >= 1, old
        text = text.replace(old, new)
    edited = tmp_path / "contract.yaml"
    edited.write_text(text, encoding="utf-8")
    conn = duckdb.connect(str(tmp_path / "build.duckdb"))
    ingest_crm(conn, load_contract(edited), landing)
    assert quarantined(conn) == {}
    stages = conn.execute("select opportunity_id, stage from raw_crm.opportunities order by 1")
    assert stages.fetchall() == [("O1", "demo"), ("O2", "qualify"), ("O3", "negotiation")]
    urgency = conn.execute("select lead_id, urgency from raw_crm.leads order by 1").fetchall()
    assert urgency == [("L1", "high"), ("L2", "medium"), ("L3", "low"), ("L4", "medium")]


def test_the_stage_codes_come_from_the_seed(tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    stages = seeds / "opportunity_stages.csv"
    # a company with a stage of its own (样机试用) adds one seed row; the contract accepts its code
    stages.write_text(
        stages.read_text(encoding="utf-8") + "trial,样机试用,8,true,30\n", encoding="utf-8"
    )
    contract = load_contract(CONTRACT_PATH, seeds_dir=seeds)
    column = contract.table("crm", "opportunities").column("stage")
    assert list(column.values) == [
        "lead",
        "qualify",
        "demo",
        "negotiation",
        "contract",
        "won",
        "lost",
        "trial",
    ]
    assert column.value_lookup()["trial"] == "trial"
    # the same contract over the shipped seeds does not know it
    shipped = load_contract(CONTRACT_PATH).table("crm", "opportunities").column("stage")
    assert "trial" not in shipped.values


def test_a_spelling_for_a_code_the_seed_lacks_is_a_contract_error(tmp_path):
    path = tmp_path / "contract.yaml"
    path.write_text(
        "sources:\n  crm:\n    tables:\n      opportunities:\n        files: [x.csv]\n"
        "        columns:\n          stage:\n            type: string\n"
        "            values_from: opportunity_stages\n"
        "            values: {demo: [方案], pilot: [试点]}\n",
        encoding="utf-8",
    )
    with pytest.raises(ContractError) as error:
        load_contract(path)
    message = str(error.value)
    assert "pilot" in message and "opportunity_stages" in message and "stage" in message


def test_a_code_set_of_the_labels_seed_gives_the_codes(tmp_path):
    path = tmp_path / "contract.yaml"
    path.write_text(
        "sources:\n  crm:\n    tables:\n      leads:\n        files: [x.csv]\n"
        "        columns:\n          urgency: {type: string, values_from: 'code_labels:urgency'}\n",
        encoding="utf-8",
    )
    column = load_contract(path).table("crm", "leads").column("urgency")
    assert column.values == {"high": (), "medium": (), "low": ()}
    path.write_text(
        path.read_text(encoding="utf-8").replace("code_labels:urgency", "code_labels:nope"),
        encoding="utf-8",
    )
    with pytest.raises(ContractError, match="no codes"):
        load_contract(path)
