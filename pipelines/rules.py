"""Validate the business-rule seeds before dbt loads them.

The rules live in ``dbt_project/seeds/*.csv`` so that sales operations can edit them; their shape
lives beside them, in ``_seeds.yml`` (``meta.rule`` per column). A malformed or out-of-range rule
stops the build with a message naming the file, the row and the value — never with a database
conversion error deep inside a model.

``python -m pipelines.rules`` checks them from the command line.
"""

import csv
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from pipelines.config import DBT_PROJECT_DIR

SEEDS_DIR = DBT_PROJECT_DIR / "seeds"
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
    with path.open(encoding="utf-8", newline="") as handle:
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
        spec = yaml.safe_load(spec_file.read_text(encoding="utf-8")) or {}
        for seed in spec.get("seeds", []):
            rules[seed["name"]] = {
                col["name"]: (col.get("meta") or {}).get("rule", {})
                for col in seed.get("columns", [])
            }
    return rules


def validate_rules(seeds_dir: Path = SEEDS_DIR) -> None:
    """Raise :class:`RuleError` listing every problem in every seed."""
    problems: list[Problem] = []
    rules = seed_rules(seeds_dir)
    for path in sorted(seeds_dir.glob("*.csv")):
        if path.stem not in rules:
            problems.append(Problem(path.name, 1, "*", "", "has no entry in seeds/_seeds.yml"))
            continue
        problems += validate_seed(path, rules[path.stem])
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
