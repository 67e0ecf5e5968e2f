"""The landing contract: load ``contract.yaml`` into typed objects and validate it.

A malformed contract is a configuration error that names the table, column and value at fault,
so the analyst who edited it can fix it without reading code.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

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

# The reasons a row is quarantined, and the reasons a whole file is rejected. Tests, the generator's
# manifest and the docs use exactly these codes.
ROW_REASONS = {
    "missing_required": "a required field is empty",
    "unparseable_date": "not a date in any accepted style",
    "unparseable_timestamp": "not a date-time in any accepted style",
    "unparseable_number": "not a number",
    "out_of_range": "a number below the accepted minimum (e.g. a negative amount)",
    "invalid_value": "not one of the accepted values",
    "unknown_reference": "refers to an id that the referenced table does not hold",
    "duplicate_key_conflict": "repeats the primary key of an earlier row with different values",
    "wrong_field_count": "has more or fewer fields than the header (e.g. a truncated file)",
    "invalid_json": "is not a JSON object",
}
FILE_REASONS = {
    "undecodable": "the bytes are neither UTF-8 nor GB18030 text",
    "missing_required_column": "a required column is missing (after header aliases)",
    "ambiguous_header": "two headers map to the same column",
    "unknown_table": "the file matches no table of the contract",
    "unreadable": "the file cannot be parsed at all (e.g. a truncated workbook)",
    "empty": "the file has no header row",
}


class ContractError(ValueError):
    """The contract file itself is malformed."""


def normalize_header(text: str) -> str:
    """How headers are compared: NFKC (full-width → half-width), trimmed, lower-cased."""
    text = unicodedata.normalize("NFKC", str(text)).replace("\ufeff", "").strip().strip('"')
    return " ".join(text.split()).lower()


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

    def table(self, source: str, name: str) -> Table:
        for table in self.tables:
            if table.key == (source, name):
                return table
        raise KeyError(f"the contract has no table {source}.{name}")


def _fail(path: Path, where: str, message: str) -> ContractError:
    return ContractError(f"{path}: {where}: {message}")


def _column(path: Path, where: str, name: str, spec: object) -> Column:
    if not isinstance(spec, dict):
        raise _fail(path, where, f"column {name!r} must be a mapping, got {spec!r}")
    unknown = set(spec) - {
        "type",
        "required",
        "aliases",
        "values",
        "min",
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
    minimum = spec.get("min")
    if minimum is not None and not isinstance(minimum, int | float):
        raise _fail(path, where, f"column {name!r}: min {minimum!r} is not a number")
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
    )


def load_contract(path: Path) -> Contract:
    """Load and validate the contract; raise :class:`ContractError` naming what is wrong."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
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
                _column(path, where, col, col_spec)
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
