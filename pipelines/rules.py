"""Read and validate the business-rule seeds before dbt loads them.

The rules live in ``dbt_project/seeds/*.csv`` so that sales operations can edit them; their shape
lives beside them, in ``_seeds.yml`` (``meta.rule`` per column). A malformed or out-of-range rule,
or rules that contradict each other (yellow above red, a window that is not a positive whole
number of days, an indicator without a weight, …), stop the build with a message naming the file,
the row and the value — never with a database conversion error deep inside a model.

:func:`load_rules` is the one reader of the seeds in Python: the GX checks (``quality/``) take
every threshold from it, so nothing there repeats a rule's value.

``python -m pipelines.rules`` checks them from the command line.
"""

import csv
import sys
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.config import DBT_PROJECT_DIR, parse_yaml

SEEDS_DIR = DBT_PROJECT_DIR / "seeds"
# as dbt seed reads them: UTF-8, a byte-order mark (Excel's "CSV UTF-8") skipped
SEED_ENCODING = "utf-8-sig"
# the closed stage the lost-deal analysis reads (a product code, like the health statuses)
LOST_STAGE_CODE = "lost"
TRUE, FALSE = {"true", "t", "yes", "1"}, {"false", "f", "no", "0"}


class RuleError(ValueError):
    """One or more business-rule seeds are invalid; the message lists every problem."""


@dataclass(frozen=True)
class Problem:
    file: str
    row: int  # CSV row number, the header being row 1
    column: str
    value: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}, row {self.row}, column {self.column} = {self.value!r}: {self.message}"


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _check_cell(rule: dict, text: str, row: dict[str, str]) -> str | None:
    """Return what is wrong with one cell, or None."""
    if text == "":
        return "is required" if rule.get("required") else None
    kind = rule.get("type", "text")
    if kind == "integer":
        number = _number(text)
        if number is None or number != int(number):
            return "is not a whole number"
    elif kind == "number":
        number = _number(text)
        if number is None:
            return "is not a number"
    elif kind == "boolean":
        if text.lower() not in TRUE | FALSE:
            return "is not true/false"
        return None
    else:
        number = None
    if "values" in rule and text not in [str(v) for v in rule["values"]]:
        return f"is not one of {rule['values']}"
    if number is not None:
        low = rule.get("min", _number(row.get(rule.get("min_column", ""), "") or "nan"))
        high = rule.get("max", _number(row.get(rule.get("max_column", ""), "") or "nan"))
        if low is not None and low == low and number < low:
            return f"is below the minimum {low:g}"
        if high is not None and high == high and number > high:
            return f"is above the maximum {high:g}"
    return None


def validate_seed(path: Path, columns: dict[str, dict]) -> list[Problem]:
    """Check one seed file against its column rules."""
    name = (
        path.relative_to(DBT_PROJECT_DIR).as_posix()
        if path.is_relative_to(DBT_PROJECT_DIR)
        else str(path)
    )
    problems: list[Problem] = []
    with path.open(encoding=SEED_ENCODING, newline="") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        for column in columns:
            if column not in header:
                problems.append(Problem(name, 1, column, "", "column is missing from the header"))
        seen: dict[str, dict[str, int]] = {c: {} for c, r in columns.items() if r.get("unique")}
        for number, row in enumerate(reader, start=2):
            if None in row or any(v is None for v in row.values()):
                problems.append(Problem(name, number, "*", "", f"needs {len(header)} fields"))
                continue
            for column, rule in columns.items():
                text = (row.get(column) or "").strip()
                wrong = _check_cell(rule, text, row)
                if wrong:
                    problems.append(Problem(name, number, column, text, wrong))
                if column in seen and text:
                    if text in seen[column]:
                        first = seen[column][text]
                        problems.append(Problem(name, number, column, text, f"repeats row {first}"))
                    seen[column].setdefault(text, number)
    return problems


def seed_rules(seeds_dir: Path = SEEDS_DIR) -> dict[str, dict[str, dict]]:
    """Seed name → column → rule, from the ``_*.yml`` files beside the seeds."""
    rules: dict[str, dict[str, dict]] = {}
    for spec_file in sorted(seeds_dir.glob("_*.yml")):
        spec = parse_yaml(spec_file.read_text(encoding="utf-8")) or {}
        for seed in spec.get("seeds", []):
            rules[seed["name"]] = {
                col["name"]: (col.get("meta") or {}).get("rule", {})
                for col in seed.get("columns", [])
            }
    return rules


# seeds of named numeric rules: one row per rule, `value` within the row's own min_value..max_value
PARAMETER_SEEDS = {"rule_parameters": "parameter", "quality_expectations": "expectation"}
# units of rule_parameters whose value counts something or is a number of days: a whole number
WHOLE_UNITS = {
    "days",
    "indicators",
    "proposals",
    "interactions",
    "opportunities",
    "communications",
    "repairs",
    "first visits",
    "seed",
}


@dataclass(frozen=True)
class Rules:
    """The business-rule seeds as read from ``seeds_dir``: every row as text, with its CSV row
    number (``_row``, the header being row 1)."""

    seeds_dir: Path
    tables: dict[str, list[dict[str, str]]] = field(default_factory=dict)

    def rows(self, seed: str) -> list[dict[str, str]]:
        return self.tables.get(seed, [])

    def file(self, seed: str) -> str:
        path = self.seeds_dir / f"{seed}.csv"
        return (
            path.relative_to(DBT_PROJECT_DIR).as_posix()
            if path.is_relative_to(DBT_PROJECT_DIR)
            else str(path)
        )

    def _named(self, seed: str, name: str) -> dict[str, str]:
        key = PARAMETER_SEEDS[seed]
        for row in self.rows(seed):
            if row.get(key) == name:
                return row
        raise KeyError(f"{self.file(seed)} has no row {key} = {name!r}")

    def parameter(self, name: str) -> float:
        """A business rule of rule_parameters (a threshold, window or target)."""
        return float(self._named("rule_parameters", name)["value"])

    def expectation(self, name: str) -> float:
        """A threshold of the warning expectations about the data's shape
        (quality_expectations)."""
        return float(self._named("quality_expectations", name)["value"])

    def indicator_weights(self) -> dict[str, float]:
        """Health indicator (H1…H4) → weight in the health score."""
        return {
            row["indicator_code"]: float(row["weight"]) for row in self.rows("health_indicators")
        }

    def open_stage_orders(self) -> list[int]:
        """Funnel positions of the opportunity stages marked open."""
        return sorted(
            int(row["stage_order"])
            for row in self.rows("opportunity_stages")
            if row["is_open"].strip().lower() in TRUE
        )

    def closed_stage_codes(self) -> list[str]:
        """The opportunity stages not marked open (won, lost)."""
        return [
            row["stage_code"]
            for row in self.rows("opportunity_stages")
            if row["is_open"].strip().lower() not in TRUE
        ]

    def template_codes(self) -> list[str]:
        """The sales-log template codes the rules know."""
        return [row["template_code"] for row in self.rows("sales_log_templates")]


def load_seed(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """One seed CSV as text: its header and its rows (cells stripped, each with its CSV row
    number ``_row``, the header being row 1). A byte-order mark (Excel's "CSV UTF-8") is read
    as nothing."""
    with path.open(encoding=SEED_ENCODING, newline="") as handle:
        reader = csv.DictReader(handle)
        rows = [
            {**{k: (v or "").strip() for k, v in row.items() if k is not None}, "_row": str(n)}
            for n, row in enumerate(reader, start=2)
        ]
        header = list(reader.fieldnames or [])
    return header, rows


def load_rules(seeds_dir: Path = SEEDS_DIR) -> Rules:
    """Every seed of ``seeds_dir`` (read as text; validate with :func:`validate_rules`)."""
    return Rules(
        seeds_dir=seeds_dir,
        tables={path.stem: load_seed(path)[1] for path in sorted(seeds_dir.glob("*.csv"))},
    )


def _float(text: str | None) -> float | None:
    number = _number(text or "")
    return None if number is None or number != number else number


def cross_check(rules: Rules) -> list[Problem]:
    """What makes valid rules contradict each other (each cell already checked on its own)."""
    problems: list[Problem] = []

    def problem(seed: str, row: dict[str, str], column: str, message: str) -> None:
        problems.append(
            Problem(rules.file(seed), int(row["_row"]), column, row.get(column, ""), message)
        )

    # (a value outside its row's own min_value..max_value is already a problem of the cell)
    for row in rules.rows("rule_parameters"):
        value, unit = _float(row.get("value")), row.get("unit", "")
        if value is None:
            continue
        if unit in WHOLE_UNITS and value != int(value):
            problem("rule_parameters", row, "value", f"is not a whole number of {unit}")
        if unit == "days" and value < 1:
            problem("rule_parameters", row, "value", "is not a positive number of days (a window)")

    parameters = {row.get("parameter"): row for row in rules.rows("rule_parameters")}
    red, yellow = parameters.get("red_min_failing"), parameters.get("yellow_min_failing")
    indicators = rules.rows("health_indicators")
    if red and yellow and _float(red["value"]) is not None and _float(yellow["value"]) is not None:
        if _float(yellow["value"]) > _float(red["value"]):
            problem(
                "rule_parameters",
                yellow,
                "value",
                f"is above red_min_failing = {red['value']} (row {red['_row']}): yellow starts "
                "with fewer failing indicators than red (or as many: no yellow band)",
            )
        if indicators and _float(red["value"]) > len(indicators):
            problem(
                "rule_parameters",
                red,
                "value",
                f"is more than the {len(indicators)} indicators of health_indicators.csv: "
                "no customer could be red",
            )
    codes = [row.get("indicator_code") for row in indicators]
    for code in sorted({"H1", "H2", "H3", "H4"} - set(codes)):
        problems.append(
            Problem(
                rules.file("health_indicators"),
                1,
                "indicator_code",
                code,
                "is missing: every indicator needs a row with its weight",
            )
        )
    weights = [_float(row.get("weight")) for row in indicators]
    if indicators and all(w is not None for w in weights) and sum(weights) <= 0:
        problem("health_indicators", indicators[0], "weight", "the weights sum to 0")

    roles = rules.rows("decision_roles")
    if roles and not any(row.get("is_decision_maker", "").lower() in TRUE for row in roles):
        problem(
            "decision_roles",
            roles[0],
            "is_decision_maker",
            "no role is the decision maker: health indicator H3 could never pass",
        )

    meeting_types = rules.rows("meeting_types")
    if meeting_types and not any(
        row.get("is_technical_exchange", "").lower() in TRUE for row in meeting_types
    ):
        problem(
            "meeting_types",
            meeting_types[0],
            "is_technical_exchange",
            "no meeting type is a technical exchange: health indicator H1 could never pass",
        )

    # the lost-deal objections (fct_lost_deal_objections) read the stage coded `lost`: a
    # CRM's own word for it is a value alias in the landing contract, not a new code
    stage_rows = rules.rows("opportunity_stages")
    lost = [row for row in stage_rows if row.get("stage_code") == LOST_STAGE_CODE]
    if stage_rows and not lost:
        problem(
            "opportunity_stages",
            {"_row": "1", "stage_code": ""},
            "stage_code",
            f"no stage is coded {LOST_STAGE_CODE!r}: the lost-deal objections read it (map a "
            "CRM's own word for a lost deal to it with a value alias in the landing contract)",
        )

    stages = {row.get("stage_code") for row in stage_rows}
    templates = set(rules.template_codes())
    for row in rules.rows("key_node_evidence"):
        if row.get("trigger_type") == "stage_entered" and row.get("stage_code") not in stages:
            problem(
                "key_node_evidence",
                row,
                "stage_code",
                "is not a stage of opportunity_stages.csv (a stage_entered node needs one)",
            )
        if row.get("evidence_type") == "sales_log" and row.get("evidence_template_code") not in (
            templates
        ):
            problem(
                "key_node_evidence",
                row,
                "evidence_template_code",
                "is not a template of sales_log_templates.csv (a sales_log node needs one)",
            )
    return problems


def validate_rules(seeds_dir: Path = SEEDS_DIR) -> None:
    """Raise :class:`RuleError` listing every problem in every seed: each value on its own
    (type, range, allowed values), then the rules against each other."""
    problems: list[Problem] = []
    rules = seed_rules(seeds_dir)
    for path in sorted(seeds_dir.glob("*.csv")):
        if path.stem not in rules:
            problems.append(Problem(path.name, 1, "*", "", "has no entry in seeds/_seeds.yml"))
            continue
        problems += validate_seed(path, rules[path.stem])
    if not problems:
        problems += cross_check(load_rules(seeds_dir))
    if problems:
        raise RuleError(
            "invalid business rules:\n" + "\n".join(f"  {problem}" for problem in problems)
        )


def main() -> int:
    try:
        validate_rules()
    except RuleError as error:
        print(error, file=sys.stderr)
        return 1
    print(f"business rules OK ({SEEDS_DIR})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
