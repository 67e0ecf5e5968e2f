import shutil
from pathlib import Path

import pytest

from pipelines.rules import SEEDS_DIR, RuleError, validate_rules


def test_the_committed_business_rules_are_valid():
    validate_rules()


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    shutil.copytree(SEEDS_DIR, tmp_path / "seeds")
    return tmp_path / "seeds"


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def row_of(path: Path, prefix: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [i for i, line in enumerate(lines, start=1) if line.startswith(prefix)][-1]


@pytest.mark.parametrize(
    "old, new, column, value, message",
    [
        (
            "h4_min_on_time_rate,0.95,",
            "h4_min_on_time_rate,1.5,",
            "value",
            "1.5",
            "is above the maximum 1",
        ),
        (
            "h1_min_meeting_minutes,45,",
            "h1_min_meeting_minutes,45分钟,",
            "value",
            "45分钟",
            "is not a number",
        ),
        ("red_min_failing,2,", "red_min_failing,0,", "value", "0", "is below the minimum 1"),
        (
            "h2_window_days,30,",
            "h1_lookback_days,30,",
            "parameter",
            "h1_lookback_days",
            "repeats row 3",
        ),
    ],
)
def test_a_bad_parameter_names_file_row_column_and_value(seeds, old, new, column, value, message):
    path = seeds / "rule_parameters.csv"
    replace(path, old, new)
    row = row_of(path, new)
    with pytest.raises(RuleError) as error:
        validate_rules(seeds)
    assert f"rule_parameters.csv, row {row}, column {column} = {value!r}: {message}" in str(
        error.value
    )


def test_bad_lookups_are_caught(seeds):
    replace(seeds / "health_indicators.csv", "H4,交付准时,1,", "H5,交付准时,0,")
    replace(
        seeds / "opportunity_stages.csv", "demo,方案演示,3,true,30", "demo,方案演示,3,yes please,30"
    )
    with pytest.raises(RuleError) as error:
        validate_rules(seeds)
    text = str(error.value)
    assert "health_indicators.csv, row 5, column indicator_code = 'H5'" in text
    assert "health_indicators.csv, row 5, column weight = '0'" in text
    assert "opportunity_stages.csv, row 4, column is_open = 'yes please'" in text


def test_a_seed_without_rules_or_with_a_missing_column_fails(seeds):
    (seeds / "mystery.csv").write_text("a\n1\n", encoding="utf-8")
    (seeds / "key_industries.csv").write_text("行业\n新能源\n", encoding="utf-8")
    with pytest.raises(RuleError) as error:
        validate_rules(seeds)
    assert "mystery.csv" in str(error.value)
    assert "column industry" in str(error.value) and "missing from the header" in str(error.value)
