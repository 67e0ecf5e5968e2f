"""Load landing files into the build DuckDB file, one contract table at a time.

Every input row ends in exactly one place:

- the raw table ``raw_<source>.<table>`` (typed, with ``_source_file``, ``_source_row``,
  ``_file_hash``, ``_ingested_at`` and ``_extra``: a JSON object of the cells under headers the
  contract does not know);
- the quarantine table ``ingest.quarantine`` (file, row number, column, raw value, reason);
- or the duplicate count (an exact copy of an earlier row of the same file).

``ingest.file_audit`` records per file its hash and ``rows_read = rows_loaded + rows_quarantined +
rows_duplicate``, where ``rows_read`` is counted by the readers' own line scan, not taken from the
parser. Loading is idempotent: a file whose content was already loaded under the same table
contract is skipped, and a new version of a file (or a changed contract for its table) replaces
what its path loaded before, in one transaction.

Each file is isolated: anything that goes wrong while reading it rejects that file alone — named,
with the reason, never retried, its content never quoted — and the next file is read. A rejected
file loads nothing; the rows an earlier version of it loaded stay. Only a failure of the warehouse
itself (DuckDB) stops the table.

The parts: ``discovery`` (what may be read), ``readers`` with ``decoding`` and ``csvscan`` (bytes
→ text cells and physical row numbers), ``validate`` with ``coerce`` (text → typed rows or
reasons), ``writer`` (raw and quarantine tables) and ``audit`` (the per-file audit).
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO
from zoneinfo import ZoneInfo

from pipelines.engines import Connection, WarehouseError
from pipelines.ingest import audit, writer
from pipelines.ingest.audit import FileAudit
from pipelines.ingest.contract import Contract, Table
from pipelines.ingest.discovery import (
    Inventory,
    LandingFile,
    SkippedFile,
    changed_since_scan,
    claims,
    open_landing_file,
    scan_landing,
)
from pipelines.ingest.readers import FileRejected, TextBatch, read_file
from pipelines.ingest.validate import (
    FileState,
    NotIngestedYet,
    References,
    map_header,
    split_batch,
)

log = logging.getLogger(__name__)
HASH_CHUNK = 8 * 1024 * 1024


@dataclass
class TableResult:
    table: Table
    files: list[FileAudit]
    skipped: list[SkippedFile] = field(default_factory=list)

    @property
    def rejected(self) -> list[FileAudit]:
        return [f for f in self.files if f.status == "rejected"]

    @property
    def warned(self) -> list[FileAudit]:
        return [f for f in self.files if f.warnings]

    def total(self, attr: str) -> int:
        return sum(getattr(f, attr) for f in self.files if f.status in ("loaded", "unchanged"))


def ensure_ingest_schema(conn: Connection) -> None:
    audit.ensure_schema(conn)


def local_today(contract: Contract) -> date:
    return datetime.now(ZoneInfo(contract.timezone)).date()


def _hash(fd: int) -> str:
    """The SHA-256 of the open file ``fd``, read with ``pread`` (the file position is left to the
    reader, so it can run beside it)."""
    digest = hashlib.sha256()
    position = 0
    while chunk := os.pread(fd, HASH_CHUNK, position):
        digest.update(chunk)
        position += len(chunk)
    return digest.hexdigest()


def _audit(table: Table, file: LandingFile, status: str, **fields) -> FileAudit:
    landed_at = datetime.fromtimestamp(file.mtime_ns / 1e9)  # local time, as ingested_at
    return FileAudit(
        path=file.rel,
        table=table.name,
        source=table.source,
        status=status,
        landed_at=landed_at,
        **fields,
    )


def _rejected(table: Table, file: LandingFile, file_hash: str, code: str, message: str):
    return _audit(
        table, file, "rejected", file_hash=file_hash, error_code=code, error_message=message
    )


def ingest_file(
    conn: Connection,
    contract: Contract,
    table: Table,
    file: LandingFile,
    references: References | None = None,
    now: datetime | None = None,
) -> FileAudit:
    """Load one file of ``table``; return its audit (also written to ``ingest.file_audit``)."""
    now = now or datetime.now()
    references = references or References(conn, contract, table)
    fingerprint = contract.fingerprint(table)
    try:
        fd = open_landing_file(file)
    except OSError as exc:
        code = "outside_landing" if exc.errno == errno.ELOOP else "unreadable"  # a symbolic link
        result = _rejected(table, file, "", code, f"cannot be opened ({exc.strerror})")
        audit.write(conn, _stamped(result, now))
        return result
    previous = audit.read(conn, file.rel)
    with os.fdopen(fd, "rb") as handle, ThreadPoolExecutor(3, "ingest") as threads:
        if previous and previous.status == "loaded" and previous.contract_hash == fingerprint:
            file_hash = _hash(fd)  # the same content may need no reading at all
            if previous.file_hash == file_hash:
                previous.status = "unchanged"
                return previous
            hashing: Future[str] | str = file_hash
        else:  # hashed beside the reading: only the first insert and the audit need it
            hashing = threads.submit(_hash, fd)
        result = _load(conn, contract, table, file, handle, hashing, references, now, threads)
        file_hash = hashing if isinstance(hashing, str) else hashing.result()
    if result is None:  # the file changed while being read: the next run reads it
        skipped = _audit(
            table,
            file,
            "skipped",
            file_hash=file_hash,
            error_code="still_being_written",
            error_message="changed while being read: left for the next run",
        )
        if previous is None:  # else the earlier version's audit row stays
            audit.write(conn, _stamped(skipped, now))
        return skipped
    if result.status == "rejected":
        audit.write(conn, _stamped(result, now))
    return result


def _stamped(result: FileAudit, now: datetime) -> FileAudit:
    result.ingested_at = now
    return result


def _load(
    conn: Connection,
    contract: Contract,
    table: Table,
    file: LandingFile,
    source: BinaryIO,
    hashing: Future[str] | str,
    references: References,
    now: datetime,
    threads: ThreadPoolExecutor,
) -> FileAudit | None:
    """Read, type and write one file in one transaction; the rejection if it cannot be loaded,
    ``None`` if it changed while being read.

    Three stages overlap: while this thread types batch N, a second one writes batch N-1 to
    DuckDB and a third reads and parses batch N+1 (all mostly release the GIL); the connection is
    only ever used by one thread at a time."""
    in_transaction = False
    inserts = writer.Inserter(conn, references.lock, threads)

    def file_hash() -> str:
        return hashing if isinstance(hashing, str) else hashing.result()

    def file_hash_if_any() -> str:  # for a rejection: the hash may have failed with the file
        try:
            return file_hash()
        except OSError:
            return ""

    try:
        reading = read_file(file.rel, source, contract.landing)
        mapping = map_header(table, reading.header, file.rel, reading.format)
        with references.lock:
            conn.execute("begin transaction")
            in_transaction = True
            writer.clear_file(conn, table, file.rel)
        state = FileState()
        today = local_today(contract)
        result = _audit(
            table,
            file,
            "loaded",
            file_hash="",
            file_format=reading.format,
            encoding=reading.encoding,
            unknown_columns=[h for h, _ in mapping.unknown],
            warnings=list(mapping.warnings),
            contract_hash=contract.fingerprint(table),
            ingested_at=now,
        )
        # a table referring to itself sees its earlier batches in the warehouse: wait for them
        self_referring = any(c.references and c.references[:2] == table.key for c in table.columns)
        for batch in _read_ahead(reading.batches, threads):
            result.rows_read += batch.frame.height + len(batch.bad)
            if self_referring:
                inserts.wait()
            split = split_batch(batch, mapping, contract, table, references, state, today)
            inserts.submit(
                writer.insert_batch,
                table,
                file.rel,
                file_hash,
                now,
                split.loaded,
                split.quarantined,
            )
            result.rows_loaded += split.loaded.height
            result.rows_quarantined += split.quarantined.height
            result.rows_duplicate += split.duplicates
        inserts.wait()
        result.file_hash = file_hash()
        if changed_since_scan(file):
            conn.execute("rollback")
            return None
        if not result.balanced:  # the conservation law: a bug here must never lose rows silently
            raise FileRejected(
                "unreadable",
                f"its rows could not be accounted for (read {result.rows_read} != loaded "
                f"{result.rows_loaded} + quarantined {result.rows_quarantined} + duplicate "
                f"{result.rows_duplicate}): please report this file",
            )
        audit.write(conn, result)
        conn.execute("commit")
        return result
    except FileRejected as exc:  # HeaderProblem included
        _roll_back(conn, inserts, in_transaction)
        return _rejected(table, file, file_hash_if_any(), exc.reason_code, exc.message)
    except (WarehouseError, NotIngestedYet):
        _roll_back(conn, inserts, in_transaction)
        raise
    except Exception as exc:  # anything else about this file: reject it, read the next
        _roll_back(conn, inserts, in_transaction)
        log.warning("%s: %s while reading", file.rel, type(exc).__name__)
        return _rejected(
            table,
            file,
            file_hash_if_any(),
            "unreadable",
            f"could not be read ({type(exc).__name__}); the file's content is not shown",
        )


_END = object()


def _read_ahead(batches: Iterator[TextBatch], threads: ThreadPoolExecutor) -> Iterator[TextBatch]:
    """``batches``, the next one read on a thread while the caller types the one it has (one
    batch ahead at most; an error reading one is raised where that batch would have come)."""
    ahead = threads.submit(next, batches, _END)
    while (batch := ahead.result()) is not _END:
        ahead = threads.submit(next, batches, _END)
        yield batch


def _roll_back(conn: Connection, inserts: writer.Inserter, begun: bool) -> None:
    inserts.abandon()  # the pending insert finishes (or fails) before the rollback
    if begun:
        conn.execute("rollback")


def ingest_table(
    conn: Connection,
    contract: Contract,
    table: Table,
    landing_root: Path,
    inventory: Inventory | None = None,
) -> TableResult:
    """Load every readable landing file of ``table``; rejected files are reported, not raised."""
    ensure_ingest_schema(conn)
    writer.ensure_raw_table(conn, table)
    inventory = inventory or scan_landing(landing_root, contract.landing)
    now = datetime.now()
    references = References(conn, contract, table)
    results = [
        ingest_file(conn, contract, table, file, references, now)
        for file in inventory.for_table(table)
    ]
    return TableResult(table, results, inventory.skipped_for(contract, table))


def record_inventory(conn: Connection, contract: Contract, inventory: Inventory) -> list[FileAudit]:
    """Write the audit rows of what is not read: files no table claims (``unknown_table``),
    refused ones (``outside_landing``), junk and files still being written (``skipped``)."""
    ensure_ingest_schema(conn)
    now = datetime.now()
    out: list[FileAudit] = []
    for file in inventory.unmatched(contract):
        out.append(
            FileAudit(
                path=file.rel,
                table="",
                status="rejected",
                error_code="unknown_table",
                error_message="matches no landing-contract table",
            )
        )
    for item in inventory.refused:
        out.append(_listed(contract, item, "rejected"))
    for item in inventory.skipped:
        previous = audit.read(conn, item.rel)
        if item.code == "still_being_written" and previous and previous.status != "skipped":
            continue  # its earlier version's audit row stays until the new one is read
        out.append(_listed(contract, item, "skipped"))
    for result in out:
        audit.write(conn, _stamped(result, now))
    present = {f.rel for f in inventory.files} | {s.rel for s in inventory.skipped}
    present |= {s.rel for s in inventory.refused}
    audit.forget(conn, "status in ('rejected', 'skipped')", present)
    audit.forget(
        conn, "error_code = 'unknown_table'", {f.rel for f in inventory.unmatched(contract)}
    )
    audit.forget(conn, "error_code = 'outside_landing'", {s.rel for s in inventory.refused})
    audit.forget(conn, "error_code = 'junk_file'", {s.rel for s in inventory.skipped})
    return out


def _listed(contract: Contract, item: SkippedFile, status: str) -> FileAudit:
    owner = next((t for t in contract.tables if claims(t, item.rel)), None)
    return FileAudit(
        path=item.rel,
        table=owner.name if owner else "",
        source=owner.source if owner else "",
        status=status,
        error_code=item.code,
        error_message=item.message,
    )


def unmatched_files(contract: Contract, landing_root: Path) -> list[str]:
    """Landing files that no contract table claims: they are rejected as ``unknown_table``."""
    inventory = scan_landing(landing_root, contract.landing)
    return [f.rel for f in inventory.unmatched(contract)]
