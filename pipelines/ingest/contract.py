"""The landing contract: load ``contract.yaml`` into typed objects and validate it.

A malformed contract is a configuration error that names the table, column and value at fault,
so the analyst who edited it can fix it without reading code.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pipelines.config import DBT_PROJECT_DIR, parse_yaml
from pipelines.rules import load_seed

TYPES = ("string", "integer", "decimal", "amount_cny", "date", "timestamp", "boolean", "json")

# DuckDB column types of the raw tables, per contract type.
SQL_TYPES = {
    "string": "VARCHAR",
    "integer": "BIGINT",
    "decimal": "DOUBLE",
    "amount_cny": "DECIMAL(18,2)",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "boolean": "BOOLEAN",
    "json": "VARCHAR",
}

# The reasons a row is quarantined, and the reasons a whole file is rejected or skipped. Tests, the
# generator's manifest and the docs use exactly these codes.
ROW_REASONS = {
    "missing_required": "a required field is empty",
    "unparseable_date": "not a date in any accepted style",
    "unparseable_timestamp": "not a date-time in any accepted style",
    "unparseable_number": "not a number",
    "ambiguous_number": "a number whose separators allow two readings (`1.234,50`, `1 234,50`, "
    "`12,5`): never guessed",
    "out_of_range": "a number outside the column's bounds (e.g. a negative amount, or more than "
    "its maximum)",
    "implausible_value": "has the shape of something else (e.g. a phone number in an amount "
    "column)",
    "date_out_of_range": "a date too far in the future (or before the earliest accepted date)",
    "invalid_value": "not one of the accepted values",
    "unknown_reference": "refers to an id that the referenced table does not hold",
    "duplicate_key_conflict": "repeats the primary key of an earlier row with different values",
    "wrong_field_count": "has more or fewer fields than the header",
    "malformed_quotes": "a quote inside an unquoted cell, or text after a closing quote",
    "unterminated_quote": "a quoted cell not closed within `landing.csv.max_lines_per_row` "
    "lines (a stray quote): this row is quarantined and reading resumes on the next line",
    "truncated_row": "the file ends inside this row (no closing quote or no final line break): "
    "the last row of a cut-off copy",
    "undecodable_line": "a line whose bytes are not text in the file's encoding",
    "control_characters": "a cell holds control characters (e.g. NUL bytes)",
    "excel_error": "a workbook cell holds an Excel error (`#DIV/0!`, `#N/A`, ...)",
    "conflicting_keys": "a JSON record holds two keys that map to the same column",
    "invalid_json": "is not a JSON object",
}
FILE_REASONS = {
    "undecodable": "the header, or most lines, are neither UTF-8 nor GB18030 text",
    "missing_required_column": "a required column is missing (after header aliases)",
    "ambiguous_header": "two headers map to the same column",
    "unknown_table": "the file matches no table of the contract",
    "unreadable": "the file cannot be parsed at all (e.g. a truncated workbook, an unsupported "
    "extension, no permission to read it)",
    "empty": "the file has no header row",
    "outside_landing": "a symbolic link, or a path resolving outside the landing folder, or not "
    "a regular file: refused without being read",
}
# Files that are listed in the audit but not read: the next run looks again.
SKIP_REASONS = {
    "junk_file": "an editor's or the system's leftover (`landing.junk_files`), e.g. an Office "
    "lock file `~$…`",
    "still_being_written": "modified less than `landing.settle_seconds` ago, or changed while "
    "being read: left for the next run",
}


class ContractError(ValueError):
    """The contract file itself is malformed."""


def normalize_header(text: str) -> str:
    """How headers are compared: NFKC (full-width → half-width), trimmed, lower-cased."""
    text = unicodedata.normalize("NFKC", str(text)).replace("\ufeff", "").strip().strip('"')
    return " ".join(text.split()).lower()


@dataclass(frozen=True)
class Plausibility:
    """What a value of one type must look like to be believed (``plausibility`` in the contract;
    a column's own ``max``, ``max_days_ahead`` and ``not_before`` override it)."""

    max: float | None = None
    patterns: tuple[tuple[str, str], ...] = ()  # (name, regex): a cell matching one is implausible
    max_days_ahead: int | None = None
    not_before: date | None = None


@dataclass(frozen=True)
class CsvSettings:
    delimiters: tuple[str, ...] = (",", ";", "\t", "|")
    max_lines_per_row: int = 30
    quarantine_last_row_without_line_break: bool = True


@dataclass(frozen=True)
class LandingSettings:
    """How the landing folder is read (``landing`` in the contract)."""

    settle_seconds: float = 5.0
    junk_files: tuple[str, ...] = ("~$*", ".DS_Store", "Thumbs.db", "*.tmp", "*.part")
    batch_mb: float = 64.0
    max_undecodable_share: float = 0.5
    csv: CsvSettings = field(default_factory=CsvSettings)


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    values: dict[str, tuple[str, ...]] | None = None
    min: float | None = None
    references: tuple[str, str, str] | None = None
    from_path: str | None = None
    description: str = ""
    max: float | None = None
    max_days_ahead: int | None = None
    not_before: date | None = None
    check_future: bool = True  # False: max_days_ahead: null in the contract switches it off
    values_from: str | None = None  # the seed holding the codes of ``values``

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.type]

    def value_lookup(self) -> dict[str, str]:
        """Accepted spelling (normalised) → canonical value."""
        lookup: dict[str, str] = {}
        for canonical, spellings in (self.values or {}).items():
            for spelling in (canonical, *spellings):
                lookup[normalize_header(spelling)] = canonical
        return lookup


@dataclass(frozen=True)
class Table:
    source: str
    name: str
    description: str
    files: tuple[str, ...]
    primary_key: tuple[str, ...]
    columns: tuple[Column, ...]

    @property
    def key(self) -> tuple[str, str]:
        return (self.source, self.name)

    @property
    def schema(self) -> str:
        """DuckDB schema of the raw table: ``raw_<source>``."""
        return f"raw_{self.source}"

    @property
    def qualified_name(self) -> str:
        return f"{self.schema}.{self.name}"

    def fingerprint(self) -> str:
        """Changes whenever the table's contract does: files loaded under another are reloaded."""
        return hashlib.sha256(repr(self).encode("utf-8")).hexdigest()[:16]

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.source}.{self.name} has no column {name!r}")

    def header_lookup(self) -> dict[str, str]:
        """Normalised header spelling → canonical column name."""
        lookup: dict[str, str] = {}
        for col in self.columns:
            for spelling in (col.name, *col.aliases):
                lookup[normalize_header(spelling)] = col.name
        return lookup

    def referenced_tables(self) -> list[tuple[str, str]]:
        refs = {c.references[:2] for c in self.columns if c.references}
        return sorted(ref for ref in refs if ref != self.key)


@dataclass(frozen=True)
class Contract:
    path: Path
    timezone: str
    sources: dict[str, str]
    tables: tuple[Table, ...] = field(default_factory=tuple)
    landing: LandingSettings = field(default_factory=LandingSettings)
    plausibility: dict[str, Plausibility] = field(default_factory=dict)

    def rules_for(self, column: Column) -> Plausibility:
        """The plausibility rules of ``column``: its type's, overridden by its own keys."""
        base = self.plausibility.get(column.type, Plausibility())
        return Plausibility(
            max=column.max if column.max is not None else base.max,
            patterns=base.patterns,
            max_days_ahead=(
                None
                if not column.check_future
                else column.max_days_ahead
                if column.max_days_ahead is not None
                else base.max_days_ahead
            ),
            not_before=column.not_before if column.not_before is not None else base.not_before,
        )

    def ordered_tables(self) -> list[Table]:
        """Tables in an order where every referenced table comes before its referrers."""
        done: dict[tuple[str, str], Table] = {}
        pending = list(self.tables)
        while pending:
            ready = [t for t in pending if all(ref in done for ref in t.referenced_tables())]
            if not ready:
                cycle = ", ".join(f"{t.source}.{t.name}" for t in pending)
                raise ContractError(f"{self.path}: references form a cycle among {cycle}")
            for table in ready:
                done[table.key] = table
                pending.remove(table)
        return list(done.values())

    def fingerprint(self, table: Table) -> str:
        """Changes whenever what decides a row's fate in ``table`` does (its columns, the
        plausibility rules of their types, how CSV files are read): files loaded under another
        are reloaded."""
        rules = [self.rules_for(col) for col in table.columns]
        text = repr((table, rules, self.landing.csv, self.timezone))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

    def table(self, source: str, name: str) -> Table:
        for table in self.tables:
            if table.key == (source, name):
                return table
        raise KeyError(f"the contract has no table {source}.{name}")


def _fail(path: Path, where: str, message: str) -> ContractError:
    return ContractError(f"{path}: {where}: {message}")


def _column(path: Path, where: str, name: str, spec: object, seeds_dir: Path) -> Column:
    if not isinstance(spec, dict):
        raise _fail(path, where, f"column {name!r} must be a mapping, got {spec!r}")
    unknown = set(spec) - {
        "type",
        "required",
        "aliases",
        "values",
        "values_from",
        "min",
        "max",
        "max_days_ahead",
        "not_before",
        "references",
        "from_path",
        "description",
    }
    if unknown:
        raise _fail(
            path,
            where,
            f"column {name!r} has unknown keys {sorted(unknown)} (in a {{...}} mapping, a comma "
            "inside an unquoted value starts a new key: quote the value)",
        )
    col_type = spec.get("type")
    if col_type not in TYPES:
        raise _fail(path, where, f"column {name!r} has type {col_type!r}; expected one of {TYPES}")
    references = spec.get("references")
    if references is not None:
        parts = str(references).split(".")
        if len(parts) != 3:
            raise _fail(
                path,
                where,
                f"column {name!r}: references {references!r} is not source.table.column",
            )
        references = tuple(parts)
    values = spec.get("values")
    if values is not None:
        if not isinstance(values, dict):
            raise _fail(path, where, f"column {name!r}: values must map canonical → spellings")
        values = {str(k): tuple(str(s) for s in (v or [])) for k, v in values.items()}
    values_from = spec.get("values_from")
    if values_from is not None:
        codes = _seed_codes(path, where, name, str(values_from), seeds_dir)
        strangers = sorted(set(values or {}) - set(codes))
        if strangers:
            raise _fail(
                path,
                where,
                f"column {name!r}: values {strangers} are not codes of {values_from} "
                f"({', '.join(codes)}): add the code to the seed first",
            )
        values = {code: (values or {}).get(code, ()) for code in codes}
    minimum = spec.get("min")
    if minimum is not None and not isinstance(minimum, int | float):
        raise _fail(path, where, f"column {name!r}: min {minimum!r} is not a number")
    maximum = spec.get("max")
    if maximum is not None and not isinstance(maximum, int | float):
        raise _fail(path, where, f"column {name!r}: max {maximum!r} is not a number")
    days_ahead = spec.get("max_days_ahead")
    if days_ahead is not None and (not isinstance(days_ahead, int) or days_ahead < 0):
        raise _fail(path, where, f"column {name!r}: max_days_ahead {days_ahead!r} is not a number")
    not_before = _date(path, where, f"column {name!r}: not_before", spec.get("not_before"))
    from_path = spec.get("from_path")
    if from_path is not None:
        try:
            groups = re.compile(str(from_path)).groups
        except re.error as exc:
            raise _fail(path, where, f"column {name!r}: from_path {from_path!r}: {exc}") from None
        if groups != 1:
            raise _fail(
                path, where, f"column {name!r}: from_path {from_path!r} needs exactly one group"
            )
    return Column(
        name=name,
        type=col_type,
        required=bool(spec.get("required", False)),
        aliases=tuple(str(a) for a in spec.get("aliases") or ()),
        values=values,
        min=minimum,
        references=references,
        from_path=str(from_path) if from_path is not None else None,
        description=str(spec.get("description", "")),
        max=maximum,
        max_days_ahead=days_ahead,
        not_before=not_before,
        check_future=not ("max_days_ahead" in spec and days_ahead is None),
        values_from=str(values_from) if values_from is not None else None,
    )


def _seed_codes(path: Path, where: str, name: str, values_from: str, seeds_dir: Path) -> list[str]:
    """The codes of a vocabulary kept in a dbt seed: ``<seed>`` (its first column, e.g.
    opportunity_stages.stage_code) or ``code_labels:<code_set>`` (the codes of one set), read
    through the one loader of the rule seeds (:func:`pipelines.rules.load_seed`)."""
    seed, _, code_set = values_from.partition(":")
    seed_path = seeds_dir / f"{seed}.csv"
    try:
        header, rows = load_seed(seed_path)
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(path, where, f"column {name!r}: values_from {values_from!r}: {exc}") from None
    if not header:
        raise _fail(
            path, where, f"column {name!r}: values_from {values_from!r}: {seed_path} is empty"
        )
    if code_set:
        if header[:2] != ["code_set", "code"]:
            raise _fail(
                path,
                where,
                f"column {name!r}: values_from {values_from!r}: {seed_path} has no "
                "code_set, code columns",
            )
        codes = [r["code"] for r in rows if r["code_set"] == code_set and r["code"]]
    else:
        codes = [r[header[0]] for r in rows if r[header[0]]]
    if not codes:
        raise _fail(
            path, where, f"column {name!r}: values_from {values_from!r}: no codes in {seed_path}"
        )
    return list(dict.fromkeys(codes))


def _date(path: Path, where: str, what: str, value: object) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise _fail(path, where, f"{what} {value!r} is not a date (YYYY-MM-DD)") from None


def _number(path: Path, where: str, key: str, value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(path, where, f"{key} {value!r} is not a number")
    return float(value)


def _plausibility(path: Path, raw: object) -> dict[str, Plausibility]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise _fail(path, "plausibility", "expected a mapping of type → rules")
    out = {}
    for type_name, spec in raw.items():
        where = f"plausibility.{type_name}"
        if type_name not in TYPES:
            raise _fail(path, where, f"{type_name!r} is not a type; expected one of {TYPES}")
        if not isinstance(spec, dict):
            raise _fail(path, where, "expected a mapping")
        unknown = set(spec) - {"max", "patterns", "max_days_ahead", "not_before"}
        if unknown:
            raise _fail(path, where, f"unknown keys {sorted(unknown)}")
        patterns = []
        for name, pattern in (spec.get("patterns") or {}).items():
            try:
                re.compile(str(pattern))
            except re.error as exc:
                raise _fail(path, where, f"pattern {name!r}: {pattern!r}: {exc}") from None
            patterns.append((str(name), str(pattern)))
        days = spec.get("max_days_ahead")
        if days is not None and (not isinstance(days, int) or days < 0):
            raise _fail(path, where, f"max_days_ahead {days!r} is not a day count")
        out[type_name] = Plausibility(
            max=_number(path, where, "max", spec.get("max")),
            patterns=tuple(patterns),
            max_days_ahead=days,
            not_before=_date(path, where, "not_before", spec.get("not_before")),
        )
    return out


def _landing(path: Path, raw: object) -> LandingSettings:
    if raw is None:
        return LandingSettings()
    if not isinstance(raw, dict):
        raise _fail(path, "landing", "expected a mapping")
    unknown = set(raw) - {
        "settle_seconds",
        "junk_files",
        "batch_mb",
        "max_undecodable_share",
        "csv",
    }
    if unknown:
        raise _fail(path, "landing", f"unknown keys {sorted(unknown)}")
    default = LandingSettings()
    csv_raw = raw.get("csv") or {}
    if not isinstance(csv_raw, dict) or set(csv_raw) - {
        "delimiters",
        "max_lines_per_row",
        "last_row_without_line_break",
    }:
        raise _fail(
            path,
            "landing.csv",
            "expected delimiters, max_lines_per_row and last_row_without_line_break",
        )
    delimiters = tuple(str(d) for d in csv_raw.get("delimiters", default.csv.delimiters))
    if not delimiters or any(len(d) != 1 or d in '"\r\n' for d in delimiters):
        raise _fail(path, "landing.csv", f"delimiters {delimiters!r}: one character each")
    max_lines = csv_raw.get("max_lines_per_row", default.csv.max_lines_per_row)
    if not isinstance(max_lines, int) or max_lines < 1:
        raise _fail(path, "landing.csv", f"max_lines_per_row {max_lines!r} must be ≥ 1")
    last_row = csv_raw.get("last_row_without_line_break", "quarantine")
    if last_row not in ("quarantine", "load"):
        raise _fail(
            path, "landing.csv", f"last_row_without_line_break {last_row!r}: quarantine or load"
        )
    share = raw.get("max_undecodable_share", default.max_undecodable_share)
    if not isinstance(share, int | float) or not 0 <= share <= 1:
        raise _fail(path, "landing", f"max_undecodable_share {share!r} must be within 0–1")
    settle = raw.get("settle_seconds", default.settle_seconds)
    batch = raw.get("batch_mb", default.batch_mb)
    for key, value in (("settle_seconds", settle), ("batch_mb", batch)):
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise _fail(path, "landing", f"{key} {value!r} must be a number ≥ 0")
    if batch <= 0:
        raise _fail(path, "landing", "batch_mb must be > 0")
    return LandingSettings(
        settle_seconds=float(settle),
        junk_files=tuple(str(g) for g in raw.get("junk_files", default.junk_files)),
        batch_mb=float(batch),
        max_undecodable_share=float(share),
        csv=CsvSettings(
            delimiters=delimiters,
            max_lines_per_row=max_lines,
            quarantine_last_row_without_line_break=last_row == "quarantine",
        ),
    )


def load_contract(path: Path, seeds_dir: Path | None = None) -> Contract:
    """Load and validate the contract; raise :class:`ContractError` naming what is wrong.

    A column's ``values_from`` names the dbt seed that holds its codes (``seeds_dir``, default
    the dbt project's seeds): the vocabulary is kept in one place, the contract adds spellings."""
    if seeds_dir is None:
        seeds_dir = DBT_PROJECT_DIR / "seeds"
    raw = parse_yaml(Path(path).read_text(encoding="utf-8"))
    if not isinstance(raw, dict) or not isinstance(raw.get("sources"), dict):
        raise _fail(path, "top level", "expected a mapping with a 'sources' key")
    tables: list[Table] = []
    sources: dict[str, str] = {}
    for source, source_spec in raw["sources"].items():
        sources[source] = str(source_spec.get("description", ""))
        for name, spec in (source_spec.get("tables") or {}).items():
            where = f"sources.{source}.tables.{name}"
            if not spec.get("files"):
                raise _fail(path, where, "needs at least one 'files' glob")
            columns = tuple(
                _column(path, where, col, col_spec, seeds_dir)
                for col, col_spec in (spec.get("columns") or {}).items()
            )
            if not columns:
                raise _fail(path, where, "declares no columns")
            table = Table(
                source=source,
                name=name,
                description=str(spec.get("description", "")),
                files=tuple(spec["files"]),
                primary_key=tuple(spec.get("primary_key") or ()),
                columns=columns,
            )
            names = {c.name for c in columns}
            missing_pk = [c for c in table.primary_key if c not in names]
            if missing_pk:
                raise _fail(path, where, f"primary_key names unknown columns {missing_pk}")
            seen: dict[str, str] = {}
            for col in columns:
                for spelling in (col.name, *col.aliases):
                    norm = normalize_header(spelling)
                    if seen.get(norm, col.name) != col.name:
                        raise _fail(
                            path,
                            where,
                            f"header {spelling!r} is an alias of both {seen[norm]!r} and "
                            f"{col.name!r}",
                        )
                    seen[norm] = col.name
            tables.append(table)
    contract = Contract(
        path=Path(path),
        timezone=str(raw.get("timezone", "Asia/Shanghai")),
        sources=sources,
        tables=tuple(tables),
        landing=_landing(path, raw.get("landing")),
        plausibility=_plausibility(path, raw.get("plausibility")),
    )
    for table in contract.tables:
        for col in table.columns:
            if col.references is None:
                continue
            src, tbl, ref_col = col.references
            try:
                contract.table(src, tbl).column(ref_col)
            except KeyError as exc:
                raise _fail(
                    path,
                    f"sources.{table.source}.tables.{table.name}.{col.name}",
                    f"references {'.'.join(col.references)}, which does not exist ({exc})",
                ) from None
    return contract
