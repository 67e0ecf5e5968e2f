"""The per-file audit: ``ingest.file_audit``, one row per landing file, read and written by name.

A row says what happened to the file the last time it was looked at: ``loaded`` (with
``rows_read = rows_loaded + rows_quarantined + rows_duplicate``), ``rejected`` (nothing of it is
loaded; what an earlier version loaded stays; ``error_code`` and ``error_message`` say why) or
``skipped`` (a junk file, or one still being written: the next run looks again). Warnings (e.g. an
optional column missing while an unknown header is present) are a JSON array in ``warnings``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import TYPE_CHECKING

import polars as pl

from pipelines.ingest.contract import FILE_REASONS, SKIP_REASONS

if TYPE_CHECKING:
    from pipelines.engines import Connection

AUDIT_DDL = """
create schema if not exists ingest;
create table if not exists ingest.file_audit (
    file_path varchar primary key,
    source varchar,
    table_name varchar,
    file_hash varchar,
    file_format varchar,
    encoding varchar,
    status varchar,            -- loaded | rejected | skipped
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
alter table ingest.file_audit add column if not exists warnings varchar;
alter table ingest.file_audit add column if not exists landed_at timestamp;  -- the file's mtime
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


@dataclass
class FileAudit:
    """One row of ``ingest.file_audit``; ``status`` ``unchanged`` is never stored (the stored row
    of an unchanged file stays as it is)."""

    path: str
    table: str
    status: str  # loaded | unchanged | rejected | skipped
    source: str = ""
    file_hash: str = ""
    file_format: str | None = None
    encoding: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_duplicate: int = 0
    unknown_columns: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error_code: str | None = None
    error_message: str | None = None
    contract_hash: str | None = None
    ingested_at: datetime | None = None
    landed_at: datetime | None = None  # the file's modification time: when it landed

    @property
    def balanced(self) -> bool:
        return self.rows_read == self.rows_loaded + self.rows_quarantined + self.rows_duplicate

    def describe_error(self) -> str:
        return f"{self.path}: {self.error_code}: {self.error_message}"


# dataclass field → table column (the rest have the same name)
_COLUMNS = {"path": "file_path", "table": "table_name"}
_JSON = ("unknown_columns", "warnings")


def _column(name: str) -> str:
    return _COLUMNS.get(name, name)


def ensure_schema(conn: Connection) -> None:
    conn.execute(AUDIT_DDL)


def read(conn: Connection, path: str) -> FileAudit | None:
    names = [f.name for f in fields(FileAudit)]
    cursor = conn.execute(
        f"select {', '.join(_column(n) for n in names)} from ingest.file_audit where file_path = ?",
        [path],
    )
    found = cursor.fetchall()
    if not found:
        return None
    row = found[0]
    values = dict(zip(names, row, strict=True))
    for name in _JSON:
        values[name] = json.loads(values[name] or "[]")
    for name in ("rows_read", "rows_loaded", "rows_quarantined", "rows_duplicate"):
        values[name] = values[name] or 0
    return FileAudit(**values)


def write(conn: Connection, audit: FileAudit) -> None:
    """Replace the file's audit row (inside the caller's transaction, if any)."""
    assert audit.status in ("loaded", "rejected", "skipped"), audit.status
    if audit.status == "rejected":
        assert audit.error_code in FILE_REASONS, audit.error_code
    if audit.status == "skipped":
        assert audit.error_code in SKIP_REASONS, audit.error_code
    names = [f.name for f in fields(FileAudit)]
    values = [
        json.dumps(getattr(audit, n), ensure_ascii=False) if n in _JSON else getattr(audit, n)
        for n in names
    ]
    conn.execute("delete from ingest.file_audit where file_path = ?", [audit.path])
    conn.execute(
        f"insert into ingest.file_audit ({', '.join(_column(n) for n in names)}) "
        f"values ({', '.join('?' for _ in names)})",
        values,
    )


def forget(conn: Connection, where: str, keep: set[str]) -> None:
    """Delete the audit rows matching ``where`` whose file is not in ``keep``: rows that only
    listed what the folder held (a rejection or a skip of a file now gone or now readable)."""
    frame = pl.DataFrame({"file_path": sorted(keep)}, schema={"file_path": pl.String})
    conn.register("lastmile_kept_paths", frame.to_arrow())
    try:
        conn.execute(
            f"delete from ingest.file_audit where ({where}) and file_path not in "
            "(select file_path from lastmile_kept_paths)"
        )
    finally:
        conn.unregister("lastmile_kept_paths")
