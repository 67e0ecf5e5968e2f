"""Load landing files into the build DuckDB file, one contract table at a time.

Every input row ends in exactly one place:

- the raw table ``raw_<source>.<table>`` (typed, with ``_source_file``, ``_source_row``,
  ``_file_hash``, ``_ingested_at`` and ``_extra``: a JSON object of the cells under headers the
  contract does not know);
- the quarantine table ``ingest.quarantine`` (file, row number, column, raw value, reason);
- or the duplicate count (an exact copy of an earlier row of the same file).

``ingest.file_audit`` records per file its hash and ``rows_read = rows_loaded + rows_quarantined +
rows_duplicate``, which is checked before anything is written. Loading is idempotent: a file whose
content was already loaded under the same table contract is skipped, and a new version of a file
(or a changed contract for its table) replaces what its path loaded before. A file that cannot be
read at all is rejected whole: it loads nothing, the rows an earlier version of it loaded stay,
and its audit row says why.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from fnmatch import fnmatch
from pathlib import Path

import duckdb
import polars as pl

from pipelines.ingest.coerce import coerce_column
from pipelines.ingest.contract import (
    FILE_REASONS,
    ROW_REASONS,
    Column,
    Contract,
    Table,
    normalize_header,
)
from pipelines.ingest.readers import FileRejected, RawFile, read_file

AUDIT_DDL = """
create schema if not exists ingest;
create table if not exists ingest.file_audit (
    file_path varchar primary key,
    source varchar,
    table_name varchar,
    file_hash varchar,
    file_format varchar,
    encoding varchar,
    status varchar,            -- loaded | rejected
    rows_read bigint,
    rows_loaded bigint,
    rows_quarantined bigint,
    rows_duplicate bigint,
    unknown_columns varchar,   -- JSON array of headers kept aside in _extra
    error_code varchar,
    error_message varchar,
    ingested_at timestamp,
    contract_hash varchar      -- the table's contract when the file was loaded
);
alter table ingest.file_audit add column if not exists contract_hash varchar;
create table if not exists ingest.quarantine (
    file_path varchar,
    source varchar,
    table_name varchar,
    row_number bigint,
    column_name varchar,
    raw_value varchar,
    reason_code varchar,
    reason varchar,
    raw_record varchar,
    file_hash varchar,
    ingested_at timestamp
);
"""

META_COLUMNS = {
    "_source_file": "VARCHAR",
    "_source_row": "BIGINT",
    "_file_hash": "VARCHAR",
    "_ingested_at": "TIMESTAMP",
    "_extra": "VARCHAR",
}


@dataclass
class FileResult:
    path: str
    table: str
    status: str  # loaded | unchanged | rejected
    file_hash: str = ""
    file_format: str | None = None
    encoding: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_duplicate: int = 0
    unknown_columns: list[str] = field(default_factory=list)
    error_code: str | None = None
    error_message: str | None = None
    contract_hash: str | None = None

    @property
    def balanced(self) -> bool:
        return self.rows_read == self.rows_loaded + self.rows_quarantined + self.rows_duplicate

    def describe_error(self) -> str:
        return f"{self.path}: {self.error_code}: {self.error_message}"


@dataclass
class TableResult:
    table: Table
    files: list[FileResult]

    @property
    def rejected(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "rejected"]

    def total(self, attr: str) -> int:
        return sum(getattr(f, attr) for f in self.files if f.status != "rejected")


def ensure_ingest_schema(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute(AUDIT_DDL)


def ensure_raw_table(conn: duckdb.DuckDBPyConnection, table: Table) -> None:
    conn.execute(f"create schema if not exists {table.schema}")
    columns = [(c.name, c.sql_type) for c in table.columns] + list(META_COLUMNS.items())
    ddl = ", ".join(f'"{name}" {sql_type}' for name, sql_type in columns)
    conn.execute(f"create table if not exists {table.qualified_name} ({ddl})")
    existing = {
        row[0]
        for row in conn.execute(
            "select column_name from information_schema.columns "
            "where table_schema = ? and table_name = ?",
            [table.schema, table.name],
        ).fetchall()
    }
    for name, sql_type in columns:
        if name not in existing:  # a column added to the contract after the table was created
            conn.execute(f'alter table {table.qualified_name} add column "{name}" {sql_type}')


def _relative(path: Path, landing_root: Path) -> str:
    return path.relative_to(landing_root).as_posix()


def _ignored(rel: str) -> bool:
    """Files and folders whose name starts with ``_`` or ``.`` (manifests, truth, temp files)."""
    return any(part.startswith(("_", ".")) for part in rel.split("/"))


def landing_files(landing_root: Path) -> list[str]:
    if not landing_root.exists():
        return []
    return sorted(
        rel
        for rel in (_relative(p, landing_root) for p in landing_root.rglob("*") if p.is_file())
        if not _ignored(rel)
    )


def table_files(table: Table, landing_root: Path) -> list[str]:
    return [rel for rel in landing_files(landing_root) if any(fnmatch(rel, g) for g in table.files)]


def unmatched_files(contract: Contract, landing_root: Path) -> list[str]:
    """Landing files that no contract table claims: they are rejected as ``unknown_table``."""
    return [
        rel
        for rel in landing_files(landing_root)
        if not any(fnmatch(rel, g) for t in contract.tables for g in t.files)
    ]


def _previous(conn: duckdb.DuckDBPyConnection, rel: str) -> FileResult | None:
    row = conn.execute(
        "select table_name, status, file_hash, file_format, encoding, rows_read, rows_loaded, "
        "rows_quarantined, rows_duplicate, unknown_columns, contract_hash from ingest.file_audit "
        "where file_path = ?",
        [rel],
    ).fetchone()
    if row is None:
        return None
    return FileResult(
        path=rel,
        table=row[0],
        status=row[1],
        file_hash=row[2],
        file_format=row[3],
        encoding=row[4],
        rows_read=row[5] or 0,
        rows_loaded=row[6] or 0,
        rows_quarantined=row[7] or 0,
        rows_duplicate=row[8] or 0,
        unknown_columns=json.loads(row[9] or "[]"),
        contract_hash=row[10],
    )


def _write_audit(
    conn: duckdb.DuckDBPyConnection, table: Table, result: FileResult, now: datetime
) -> None:
    conn.execute("delete from ingest.file_audit where file_path = ?", [result.path])
    conn.execute(
        "insert into ingest.file_audit values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            result.path,
            table.source,
            table.name,
            result.file_hash,
            result.file_format,
            result.encoding,
            result.status,
            result.rows_read,
            result.rows_loaded,
            result.rows_quarantined,
            result.rows_duplicate,
            json.dumps(result.unknown_columns, ensure_ascii=False),
            result.error_code,
            result.error_message,
            now,
            table.fingerprint() if table.name else None,
        ],
    )


def reject_file(
    conn: duckdb.DuckDBPyConnection,
    table: Table | None,
    rel: str,
    file_hash: str,
    code: str,
    message: str,
    now: datetime | None = None,
) -> FileResult:
    """Record a rejected file in the audit; nothing of it is loaded."""
    assert code in FILE_REASONS, code
    result = FileResult(
        path=rel,
        table=table.name if table else "",
        status="rejected",
        file_hash=file_hash,
        error_code=code,
        error_message=message,
    )
    placeholder = table or Table("", "", "", ("",), (), ())
    _write_audit(conn, placeholder, result, now or datetime.now())
    return result


def _map_header(table: Table, raw: RawFile) -> tuple[dict[str, int], list[tuple[str, int]]]:
    lookup = table.header_lookup()
    mapped: dict[str, int] = {}
    unknown: list[tuple[str, int]] = []
    for index, header in enumerate(raw.header):
        canonical = lookup.get(normalize_header(header))
        if canonical is None:
            if normalize_header(header):
                unknown.append((header, index))
            continue
        if canonical in mapped:
            raise FileRejected(
                "ambiguous_header",
                f"headers {raw.header[mapped[canonical]]!r} and {header!r} both map to column "
                f"{canonical!r}",
            )
        mapped[canonical] = index
    missing = [
        c.name for c in table.columns if c.required and c.name not in mapped and not c.from_path
    ]
    if missing:
        raise FileRejected(
            "missing_required_column",
            f"required column(s) {missing} not found; the file's headers are {raw.header} "
            f"(add an alias to the landing contract if a header is another spelling)",
        )
    return mapped, unknown


def _reference_values(
    conn: duckdb.DuckDBPyConnection, contract: Contract, table: Table, ref: tuple[str, str, str]
) -> set[str]:
    ref_table = contract.table(ref[0], ref[1])
    exists = conn.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [ref_table.schema, ref_table.name],
    ).fetchone()[0]
    if not exists:
        raise RuntimeError(
            f"{table.source}.{table.name} references {'.'.join(ref)}, which has not been "
            "ingested yet: ingest it first"
        )
    rows = conn.execute(
        f'select distinct cast("{ref[2]}" as varchar) from {ref_table.qualified_name} '
        f'where "{ref[2]}" is not null'
    ).fetchall()
    return {r[0] for r in rows}


def path_value(column: Column, rel: str) -> str:
    """The value a ``from_path`` column takes from the file's path (e.g. a rep id in its name)."""
    match = re.search(column.from_path or "", rel)
    if match is None:
        raise FileRejected(
            "missing_required_column",
            f"column {column.name!r} comes from the file's path, but the path does not match "
            f"{column.from_path!r}",
        )
    return match.group(1)


def _frame(
    table: Table, raw: RawFile, mapped: dict[str, int], unknown: list, rel: str
) -> pl.DataFrame:
    columns = list(zip(*raw.rows, strict=True)) if raw.rows else [()] * len(raw.header)
    data: dict[str, list] = {"_row": list(raw.row_numbers)}
    for col in table.columns:
        index = mapped.get(col.name)
        if col.from_path and index is None:
            data[col.name] = [path_value(col, rel)] * len(raw.rows)
            continue
        data[col.name] = list(columns[index]) if index is not None else [None] * len(raw.rows)
    data["_record"] = [
        json.dumps(dict(zip(raw.header, row, strict=True)), ensure_ascii=False) for row in raw.rows
    ]
    data["_extra"] = (
        [
            json.dumps({h: row[i] for h, i in unknown}, ensure_ascii=False) if unknown else None
            for row in raw.rows
        ]
        if raw.rows
        else []
    )
    schema = {name: pl.String for name in data}
    schema["_row"] = pl.Int64
    return pl.DataFrame(data, schema=schema)


def ingest_file(
    conn: duckdb.DuckDBPyConnection,
    contract: Contract,
    table: Table,
    landing_root: Path,
    rel: str,
    now: datetime | None = None,
) -> FileResult:
    """Load one file of ``table``; return what happened to each of its rows."""
    now = now or datetime.now()
    path = landing_root / rel
    file_hash = hashlib.sha256(path.read_bytes()).hexdigest()
    previous = _previous(conn, rel)
    if (
        previous
        and previous.status == "loaded"
        and previous.file_hash == file_hash
        and previous.contract_hash == table.fingerprint()
    ):
        previous.status = "unchanged"
        return previous
    try:
        raw = read_file(path)
        mapped, unknown = _map_header(table, raw)
        batch = _frame(table, raw, mapped, unknown, rel)
        loaded, quarantined, duplicates = _split(conn, contract, table, batch)
    except FileRejected as exc:
        return reject_file(conn, table, rel, file_hash, exc.reason_code, exc.message, now)

    bad = [
        {
            "_row": b.row_number,
            "column_name": None,
            "raw_value": None,
            "reason_code": b.reason_code,
            "detail": b.detail,
            "_record": b.raw_record,
        }
        for b in raw.bad_rows
    ]
    quarantine = pl.concat(
        [quarantined, pl.DataFrame(bad, schema=quarantined.schema)], how="vertical"
    ).sort("_row")
    result = FileResult(
        path=rel,
        table=table.name,
        status="loaded",
        file_hash=file_hash,
        file_format=raw.format,
        encoding=raw.encoding,
        rows_read=raw.rows_read,
        rows_loaded=loaded.height,
        rows_quarantined=quarantine.height,
        rows_duplicate=duplicates,
        unknown_columns=[h for h, _ in unknown],
    )
    if not result.balanced:  # the conservation law; a bug here must never lose rows silently
        raise AssertionError(
            f"{rel}: read {result.rows_read} != loaded {result.rows_loaded} + quarantined "
            f"{result.rows_quarantined} + duplicate {result.rows_duplicate}"
        )
    _write(conn, table, rel, file_hash, now, loaded, quarantine, result)
    return result


def _split(
    conn: duckdb.DuckDBPyConnection, contract: Contract, table: Table, batch: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """Split a text batch into typed loaded rows, quarantined rows and a duplicate count."""
    raw_columns = [c.name for c in table.columns] + ["_extra"]
    rows_in = batch.height
    if rows_in:
        batch = batch.filter(pl.struct(raw_columns).is_first_distinct())
    duplicates = rows_in - batch.height
    typed_exprs, reason_exprs = [], []
    for col in table.columns:
        value, reason = coerce_column(col, pl.col(col.name), contract.timezone)
        typed_exprs.append(value.alias(f"__v_{col.name}"))
        reason_exprs.append(reason.alias(f"__r_{col.name}"))
    typed = batch.with_columns(typed_exprs + reason_exprs)

    for col in table.columns:
        if col.references is None:
            continue
        valid = _reference_values(conn, contract, table, col.references)
        if col.references[:2] == table.key:
            valid |= set(typed.get_column(f"__v_{col.name}").drop_nulls().cast(pl.String))
        value = pl.col(f"__v_{col.name}").cast(pl.String)
        reason = pl.col(f"__r_{col.name}")
        typed = typed.with_columns(
            pl.when(reason.is_null() & value.is_not_null() & ~value.is_in(list(valid)))
            .then(pl.lit("unknown_reference"))
            .otherwise(reason)
            .alias(f"__r_{col.name}")
        )

    first_reason = pl.coalesce(
        [
            pl.when(pl.col(f"__r_{c.name}").is_not_null()).then(
                pl.struct(
                    column_name=pl.lit(c.name),
                    reason_code=pl.col(f"__r_{c.name}"),
                    raw_value=pl.col(c.name),
                )
            )
            for c in table.columns
        ]
    )
    typed = typed.with_columns(first_reason.alias("__why"))
    if table.primary_key:
        # among the valid rows, a later row repeating a key with other values is a conflict
        typed = typed.with_columns(pl.col("__why").is_null().alias("__ok"))
        partition = [f"__v_{c}" for c in table.primary_key] + ["__ok"]
        later = pl.int_range(pl.len()).over(partition) > 0
        typed = typed.with_columns(
            pl.when(pl.col("__ok") & later)
            .then(
                pl.struct(
                    column_name=pl.lit(table.primary_key[0]),
                    reason_code=pl.lit("duplicate_key_conflict"),
                    raw_value=pl.col(table.primary_key[0]),
                )
            )
            .otherwise(pl.col("__why"))
            .alias("__why")
        )
    loaded = typed.filter(pl.col("__why").is_null()).select(
        [pl.col(f"__v_{c.name}").alias(c.name) for c in table.columns]
        + [pl.col("_row").alias("_source_row"), pl.col("_extra")]
    )
    quarantined = (
        typed.filter(pl.col("__why").is_not_null())
        .unnest("__why")
        .select(
            "_row",
            "column_name",
            "raw_value",
            "reason_code",
            pl.lit(None, dtype=pl.String).alias("detail"),
            "_record",
        )
    )
    return loaded, quarantined, duplicates


def _write(
    conn: duckdb.DuckDBPyConnection,
    table: Table,
    rel: str,
    file_hash: str,
    now: datetime,
    loaded: pl.DataFrame,
    quarantine: pl.DataFrame,
    result: FileResult,
) -> None:
    loaded = loaded.with_columns(
        pl.lit(rel).alias("_source_file"),
        pl.lit(file_hash).alias("_file_hash"),
        pl.lit(now).alias("_ingested_at"),
    )
    quarantine = quarantine.select(
        pl.lit(rel).alias("file_path"),
        pl.lit(table.source).alias("source"),
        pl.lit(table.name).alias("table_name"),
        pl.col("_row").alias("row_number"),
        "column_name",
        "raw_value",
        "reason_code",
        pl.format(
            "{}, row {}{}: {}",
            pl.lit(rel),
            pl.col("_row"),
            pl.when(pl.col("column_name").is_not_null())
            .then(pl.format(", column {} = '{}'", "column_name", pl.col("raw_value").fill_null("")))
            .otherwise(pl.lit("")),
            pl.coalesce(
                pl.col("detail"),
                pl.col("reason_code").replace_strict(ROW_REASONS, default="rejected"),
            ),
        ).alias("reason"),
        pl.col("_record").alias("raw_record"),
        pl.lit(file_hash).alias("file_hash"),
        pl.lit(now).alias("ingested_at"),
    )
    conn.execute("begin transaction")
    try:
        conn.execute(f"delete from {table.qualified_name} where _source_file = ?", [rel])
        conn.execute("delete from ingest.quarantine where file_path = ?", [rel])
        conn.register("lastmile_loaded", loaded.to_arrow())
        conn.execute(f"insert into {table.qualified_name} by name select * from lastmile_loaded")
        conn.unregister("lastmile_loaded")
        conn.register("lastmile_quarantine", quarantine.to_arrow())
        conn.execute("insert into ingest.quarantine by name select * from lastmile_quarantine")
        conn.unregister("lastmile_quarantine")
        _write_audit(conn, table, result, now)
        conn.execute("commit")
    except Exception:
        conn.execute("rollback")
        raise


def ingest_table(
    conn: duckdb.DuckDBPyConnection, contract: Contract, table: Table, landing_root: Path
) -> TableResult:
    """Load every landing file of ``table``; rejected files are reported, not raised."""
    ensure_ingest_schema(conn)
    ensure_raw_table(conn, table)
    now = datetime.now()
    results = []
    for rel in table_files(table, landing_root):
        results.append(ingest_file(conn, contract, table, landing_root, rel, now))
    return TableResult(table=table, files=results)
