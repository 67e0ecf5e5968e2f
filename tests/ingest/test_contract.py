from pathlib import Path

import pytest

from pipelines.config import CONTRACT_PATH, REPO_ROOT
from pipelines.ingest.contract import ContractError, load_contract
from pipelines.ingest.contract_doc import render


def test_the_landing_contract_loads_and_every_reference_resolves():
    contract = load_contract(CONTRACT_PATH)
    assert contract.tables
    for table in contract.tables:
        for source, name in table.referenced_tables():
            assert contract.table(source, name)


def test_the_contract_document_is_generated_from_the_contract():
    committed = (REPO_ROOT / "docs" / "landing-contract.md").read_text(encoding="utf-8")
    assert committed == render(load_contract(CONTRACT_PATH)), (
        "docs/landing-contract.md is stale: run `make contract-doc` and commit it"
    )


@pytest.mark.parametrize(
    "column_yaml, words",
    [
        ("{type: money}", ["sources.s.tables.t", "'c'", "money"]),
        ("{type: string, aliases: [x], refrences: s.t.c}", ["unknown keys", "refrences"]),
        ("{type: string, references: s.nope.c}", ["sources.s.tables.t.c", "s.nope.c"]),
        ("{type: amount_cny, min: zero}", ["min", "zero"]),
        ("{type: string, from_path: 'sheets/(.*'}", ["from_path", "sheets/(.*"]),
        ("{type: string, from_path: 'sheets/.*'}", ["from_path", "exactly one group"]),
    ],
)
def test_a_malformed_contract_names_the_place_and_value(tmp_path: Path, column_yaml, words):
    path = tmp_path / "contract.yaml"
    path.write_text(
        f"sources:\n  s:\n    tables:\n      t:\n        files: [x.csv]\n"
        f"        columns:\n          c: {column_yaml}\n",
        encoding="utf-8",
    )
    with pytest.raises(ContractError) as error:
        load_contract(path)
    for word in [str(path), *words]:
        assert word in str(error.value)


def test_an_alias_may_not_name_two_columns(tmp_path: Path):
    path = tmp_path / "contract.yaml"
    path.write_text(
        "sources:\n  s:\n    tables:\n      t:\n        files: [x.csv]\n        columns:\n"
        "          a: {type: string, aliases: [客户]}\n"
        "          b: {type: string, aliases: [客户]}\n",
        encoding="utf-8",
    )
    with pytest.raises(ContractError, match="客户"):
        load_contract(path)
