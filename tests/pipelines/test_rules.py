import shutil
from pathlib import Path

import pytest

from pipelines.config import REPO_ROOT
from pipelines.ingest.contract import load_contract
from pipelines.rules import SEEDS_DIR, RuleError, load_rules, validate_rules


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


def problems_of(seeds: Path) -> str:
    with pytest.raises(RuleError) as error:
        validate_rules(seeds)
    return str(error.value)


def test_yellow_above_red_names_both_rows(seeds):
    path = seeds / "rule_parameters.csv"
    replace(path, "yellow_min_failing,1,", "yellow_min_failing,3,")
    yellow, red = row_of(path, "yellow_min_failing,"), row_of(path, "red_min_failing,")
    text = problems_of(seeds)
    assert (
        f"rule_parameters.csv, row {yellow}, column value = '3': is above red_min_failing = 2 "
        f"(row {red})" in text
    )


def test_yellow_equal_to_red_is_a_rule_without_a_yellow_band(seeds):
    replace(seeds / "rule_parameters.csv", "yellow_min_failing,1,", "yellow_min_failing,2,")
    validate_rules(seeds)
    replace(seeds / "rule_parameters.csv", "red_min_failing,2,", "red_min_failing,1,")
    replace(seeds / "rule_parameters.csv", "yellow_min_failing,2,", "yellow_min_failing,1,")
    validate_rules(seeds)


def test_windows_are_positive_whole_days(seeds):
    path = seeds / "rule_parameters.csv"
    replace(path, "h2_window_days,30,1,365,", "h2_window_days,30.5,1,365,")
    replace(path, "churn_alert_lookback_days,90,1,365,", "churn_alert_lookback_days,0,0,365,")
    text = problems_of(seeds)
    assert (
        f"row {row_of(path, 'h2_window_days,')}, column value = '30.5': is not a whole number "
        "of days" in text
    )
    assert (
        f"row {row_of(path, 'churn_alert_lookback_days,')}, column value = '0': is not a "
        "positive number of days" in text
    )


def test_every_indicator_has_a_weight_and_someone_decides(seeds):
    indicators = seeds / "health_indicators.csv"
    indicators.write_text(
        "\n".join(indicators.read_text(encoding="utf-8").splitlines()[:-1]) + "\n",
        encoding="utf-8",
    )
    roles = seeds / "decision_roles.csv"
    replace(roles, "decision_maker,决策者,true", "decision_maker,决策者,false")
    text = problems_of(seeds)
    assert "health_indicators.csv, row 1, column indicator_code = 'H4': is missing" in text
    assert "decision_roles.csv, row 2, column is_decision_maker = 'false': no role" in text


def test_key_nodes_name_a_known_stage_and_template(seeds):
    path = seeds / "key_node_evidence.csv"
    replace(
        path,
        "stage_entered,demo,sales_log,solution_demo",
        "stage_entered,pilot,sales_log,solution_demo",
    )
    text = problems_of(seeds)
    assert "key_node_evidence.csv, row 2, column stage_code = 'pilot': is not a stage" in text


def test_the_loader_reads_every_rule_the_checks_use(seeds):
    replace(seeds / "rule_parameters.csv", "red_min_failing,2,", "red_min_failing,3,")
    replace(seeds / "health_indicators.csv", "H2,定制化方案,1,", "H2,定制化方案,2.5,")
    rules = load_rules(seeds)
    assert rules.parameter("red_min_failing") == 3
    assert rules.indicator_weights() == {"H1": 1, "H2": 2.5, "H3": 1, "H4": 1}
    assert rules.open_stage_orders() == [1, 2, 3, 4, 5]
    assert rules.closed_stage_codes() == ["won", "lost"]
    assert rules.expectation("min_not_red_share") == 0.5
    with pytest.raises(KeyError, match="no row parameter = 'nope'"):
        rules.parameter("nope")


def test_a_seed_saved_by_excel_with_a_byte_order_mark_reads_like_dbt_reads_it(seeds):
    """Excel's "CSV UTF-8" starts the file with a BOM; dbt seed skips it, so must the loader (and
    the contract's vocabularies, which read through it)."""

    for name in ("rule_parameters.csv", "opportunity_stages.csv", "code_labels.csv"):
        path = seeds / name
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    validate_rules(seeds)
    assert load_rules(seeds).parameter("red_min_failing") == 2
    assert load_rules(seeds).closed_stage_codes() == ["won", "lost"]
    contract = REPO_ROOT / "pipelines/ingest/contract.yaml"

    def vocabularies(seeds_dir: Path | None) -> dict[tuple[str, str], list[str]]:
        return {
            (table.name, column.name): sorted(column.values)
            for table in load_contract(contract, seeds_dir=seeds_dir).tables
            for column in table.columns
            if column.values_from
        }

    read = vocabularies(seeds)
    assert read and all(codes for codes in read.values()), "no vocabulary read from the seeds"
    assert read == vocabularies(None)


def test_the_stage_the_lost_deal_analysis_reads_must_stay_coded_lost(seeds):
    stages = seeds / "opportunity_stages.csv"
    replace(stages, "lost,输单,7,false,", "closed_lost,输单,7,false,")
    with pytest.raises(
        RuleError, match="opportunity_stages.csv, row 1, .*no stage is coded 'lost'"
    ):
        validate_rules(seeds)
