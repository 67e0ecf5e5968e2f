import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.ingest.contract import load_contract

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def contract():
    return load_contract(FIXTURES / "contract.yaml")


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    """A private copy of the hand-written landing files, so a test may change them."""
    root = tmp_path / "landing"
    shutil.copytree(FIXTURES / "landing", root)
    return root


@pytest.fixture
def conn(tmp_path: Path):
    connection = duckdb.connect(str(tmp_path / "build.duckdb"))
    yield connection
    connection.close()
