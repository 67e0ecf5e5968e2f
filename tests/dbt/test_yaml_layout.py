"""The marts' properties live beside them: each ``marts/<domain>/<mart>.sql`` has one
``_<mart>.yml`` holding that model's description, columns and data tests, and every unit test of
that model. Plain file reading, no dbt run."""

from pathlib import Path

import yaml

from pipelines.config import DBT_PROJECT_DIR
from tests.dbt.marts import MARTS_DIR, mart_yaml

MODELS_DIR = DBT_PROJECT_DIR / "models"


def _properties(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def test_every_mart_has_its_own_yaml_beside_it() -> None:
    marts = sorted(MARTS_DIR.rglob("*.sql"))
    assert marts
    for sql in marts:
        properties = mart_yaml(sql)
        assert properties.exists(), f"{sql.relative_to(MODELS_DIR)} has no {properties.name}"
        names = [model["name"] for model in _properties(properties).get("models", [])]
        assert names == [sql.stem], f"{properties.name} describes {names}, not only {sql.stem}"


def test_no_other_yaml_in_the_marts() -> None:
    expected = {mart_yaml(sql) for sql in MARTS_DIR.rglob("*.sql")}
    assert set(MARTS_DIR.rglob("*.yml")) == expected


def test_a_marts_unit_tests_sit_in_its_yaml() -> None:
    marts = {sql.stem: mart_yaml(sql) for sql in MARTS_DIR.rglob("*.sql")}
    for path in MODELS_DIR.rglob("*.yml"):
        for unit_test in _properties(path).get("unit_tests", []):
            model = unit_test["model"]
            if model in marts:
                assert path == marts[model], f"{unit_test['name']} on {model} is in {path.name}"
            else:
                assert path.parent.parts[-2] != "marts", f"{unit_test['name']} in {path}"
