"""Decide each text row's fate: loaded (typed), quarantined (with column and reason) or duplicate.

A file's header is first mapped onto the contract's columns (:func:`map_header`): aliases, columns
taken from the file's path, unknown headers kept aside in ``_extra``. Then each batch of rows
(:func:`split_batch`), vectorised with Polars:

1. an exact copy of an earlier row of the same file is a duplicate (counted, not loaded);
2. a cell holding control characters, a JSON record with two spellings of one key, a workbook
   cell holding an Excel error quarantine the row;
3. every contract column is typed (``coerce``); the first failing column gives the reason;
4. references are checked by joining with the referenced raw table's keys;
5. a later row repeating the primary key of an earlier valid row with other values is a
   ``duplicate_key_conflict``.

Duplicates and keys are tracked across a file's batches by 128-bit row hashes (two 64-bit hashes
with different seeds), so a big file read in batches gets the same result as read whole.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

import polars as pl

from pipelines.ingest.coerce import coerce_frame
from pipelines.ingest.contract import Column, Contract, Table, normalize_header
from pipelines.ingest.readers import FileRejected, TextBatch, control_character_pattern

if TYPE_CHECKING:
    from pipelines.engines import Connection

QUARANTINE_SCHEMA = {
    "_row": pl.Int64,
    "column_name": pl.String,
    "raw_value": pl.String,
    "reason_code": pl.String,
    "detail": pl.String,
    "_record": pl.String,
}
HASH_SCHEMA = {"h1": pl.UInt64, "h2": pl.UInt64}
RAW_VALUE_LIMIT = 2_000


class NotIngestedYet(RuntimeError):
    """A referenced table has no raw table yet: the tables were run out of order."""


class HeaderProblem(FileRejected):
    """The file's headers do not map onto the table's columns: the whole file is rejected."""


@dataclass
class HeaderMap:
    """Where each contract column's cells are in a file."""

    positions: dict[str, list[int]]  # canonical column → header positions (JSON: maybe several)
    from_path: dict[str, str]  # canonical column → the value its file's path gives
    unknown: list[tuple[str, int]]  # headers the contract does not know, kept in _extra
    record_names: list[str]  # a unique name per header position, for raw_record
    warnings: list[str] = field(default_factory=list)


def _spellings(column: Column) -> str:
    return ", ".join((column.name, *column.aliases))


def map_header(table: Table, header: list[str], rel: str, fmt: str) -> HeaderMap:
    """Map the file's headers onto ``table``'s columns; raise :class:`HeaderProblem` when the
    file cannot be loaded. Messages name the contract's columns, never the file's other headers."""
    lookup = table.header_lookup()
    positions: dict[str, list[int]] = {}
    unknown: list[tuple[str, int]] = []
    for index, name in enumerate(header):
        canonical = lookup.get(normalize_header(name))
        if canonical is None:
            if normalize_header(name):
                unknown.append((name[:100], index))
            continue
        if canonical in positions and fmt in ("csv", "xlsx"):
            first = header[positions[canonical][0]]
            raise HeaderProblem(
                "ambiguous_header",
                f"headers {first!r} and {name!r} both map to column {canonical!r}",
            )
        positions.setdefault(canonical, []).append(index)
    from_path = {}
    for column in table.columns:
        if column.from_path and column.name not in positions:
            match = re.search(column.from_path, rel)
            if match is None:
                raise HeaderProblem(
                    "missing_required_column",
                    f"column {column.name!r} comes from the file's path, but the path does not "
                    f"match {column.from_path!r}",
                )
            from_path[column.name] = match.group(1)
    missing = [
        c
        for c in table.columns
        if c.required and c.name not in positions and c.name not in from_path
    ]
    if missing:
        names = "; ".join(f"{c.name} ({_spellings(c)})" for c in missing)
        raise HeaderProblem(
            "missing_required_column",
            f"required column(s) not found: {names}; {len(unknown)} of the file's "
            f"{len(header)} headers match no column (add an alias to the landing contract if a "
            "header is another spelling)",
        )
    warnings = []
    absent = [c for c in table.columns if c.name not in positions and c.name not in from_path]
    if absent and unknown:
        names = "; ".join(f"{c.name} ({_spellings(c)})" for c in absent)
        warnings.append(
            f"optional column(s) not found: {names}; while {len(unknown)} header(s) match no "
            "column (kept in _extra, listed in unknown_columns): if one is another spelling, add "
            "it as an alias in the landing contract"
        )
    record_names: list[str] = []
    for index, name in enumerate(header):
        base = name or f"column {index + 1}"
        unique, n = base, 2
        while unique in record_names:
            unique, n = f"{base} ({n})", n + 1
        record_names.append(unique)
    return HeaderMap(positions, from_path, unknown, record_names, warnings)


class References:
    """Reference checks as joins, in DuckDB: the distinct values of a batch's column are
    semi-joined with the referenced raw table, so a big referenced table (ten million sales logs
    for their competitor quotes) never leaves the warehouse. Small referenced tables are read once
    per table run and joined in Polars."""

    SMALL = 200_000  # rows of a referenced table worth keeping in memory

    def __init__(self, conn: Connection, contract: Contract, table: Table):
        self.conn, self.contract, self.table = conn, contract, table
        # the connection is shared with the thread writing a file's batches (writer.Inserter)
        self.lock = threading.RLock()
        self._cache: dict[tuple[str, str, str], pl.DataFrame | None] = {}

    def _target(self, ref: tuple[str, str, str]) -> Table:
        target = self.contract.table(ref[0], ref[1])
        with self.lock:
            exists = self.conn.execute(
                "select count(*) from information_schema.tables "
                "where table_schema = ? and table_name = ?",
                [target.schema, target.name],
            ).fetchall()[0][0]
        if not exists:
            raise NotIngestedYet(
                f"{self.table.source}.{self.table.name} references {'.'.join(ref)}, which has "
                "not been ingested yet: ingest it first"
            )
        return target

    def _keys(self, ref: tuple[str, str, str]) -> pl.DataFrame | None:
        """The referenced table's keys when it is small (and not this table), else ``None``."""
        if ref[:2] == self.table.key:
            return None
        if ref not in self._cache:
            target = self._target(ref)
            with self.lock:
                rows = self.conn.execute(f"select count(*) from {target.qualified_name}").fetchall()
                self._cache[ref] = (
                    pl.from_arrow(
                        self.conn.sql(
                            f'select distinct cast("{ref[2]}" as varchar) as _ref '
                            f'from {target.qualified_name} where "{ref[2]}" is not null'
                        ).to_arrow_table()
                    )
                    if rows[0][0] <= self.SMALL
                    else None
                )
        return self._cache[ref]

    def found(self, ref: tuple[str, str, str], values: pl.Series) -> pl.Series:
        """For each value, whether the referenced column holds it (null values: null)."""
        keys = self._keys(ref)
        if keys is None:
            target = self._target(ref)
            distinct = pl.DataFrame({"_ref": values.drop_nulls().unique()})
            with self.lock:
                self.conn.register("lastmile_ref_values", distinct.to_arrow())
                try:
                    keys = pl.from_arrow(
                        self.conn.sql(
                            "select _ref from lastmile_ref_values where _ref in "
                            f'(select cast("{ref[2]}" as varchar) from {target.qualified_name})'
                        ).to_arrow_table()
                    )
                finally:
                    self.conn.unregister("lastmile_ref_values")
        held = values.is_in(keys.get_column("_ref").implode())
        return pl.select(pl.when(held).then(True)).to_series()


@dataclass
class FileState:
    """What a file's earlier batches left for the later ones."""

    rows: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=HASH_SCHEMA))
    keys: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=HASH_SCHEMA))
    own_values: dict[str, pl.Series] = field(default_factory=dict)


@dataclass
class BatchResult:
    loaded: pl.DataFrame  # contract columns (typed) + _source_row + _extra
    quarantined: pl.DataFrame  # QUARANTINE_SCHEMA
    duplicates: int


def first_occurrences(
    frame: pl.DataFrame, seen: pl.DataFrame, key: list[str] | None = None
) -> tuple[pl.Series, pl.DataFrame]:
    """True for each row of ``frame`` that is neither an earlier row's copy nor in ``seen`` (the
    hash pairs of earlier batches' rows); and this batch's hash pairs to add to ``seen``.

    One 64-bit hash of the whole row finds the candidates fast; candidates within the batch are
    then compared exactly, and against earlier batches by a second, independent 64-bit hash — of
    the ``key`` columns only when given (an exact copy repeats its key, so the pair still tells
    rows apart: two rows with different keys would have to collide on both hashes)."""
    h1 = frame.hash_rows(seed=0)
    h2 = (frame.select(key) if key else frame).hash_rows(seed=7919)
    if h1.n_unique() == frame.height:  # the common case: no candidate in the batch
        first = pl.repeat(True, frame.height, dtype=pl.Boolean, eager=True)
    else:
        first = h1.is_first_distinct()
        index = h1.is_duplicated().arg_true()
        exact = frame[index].select(pl.struct(pl.all()).is_first_distinct()).to_series()
        first = first.scatter(index, exact)
    if seen.height:
        candidates = first & h1.is_in(seen.get_column("h1").implode())
        if candidates.any():
            index = candidates.arg_true()
            pairs = pl.DataFrame({"h1": h1.gather(index), "h2": h2.gather(index)})
            again = pairs.with_row_index().join(seen, on=["h1", "h2"], how="semi")
            if again.height:
                first = first.scatter(index.gather(again.get_column("index")), False)
    kept = pl.DataFrame({"h1": h1, "h2": h2})
    return first, (kept if first.all() else kept.filter(first))


def _cut(expr: pl.Expr) -> pl.Expr:
    return (
        pl.when(expr.str.len_chars() > RAW_VALUE_LIMIT)
        .then(expr.str.slice(0, RAW_VALUE_LIMIT) + pl.lit("…"))
        .otherwise(expr)
    )


def split_batch(
    batch: TextBatch,
    mapping: HeaderMap,
    contract: Contract,
    table: Table,
    references: References,
    state: FileState,
    today: date,
) -> BatchResult:
    frame = batch.frame
    cells = [c for c in frame.columns if c != "_row"]
    names = [c.name for c in table.columns]

    mapped: list[pl.Expr] = []
    conflict = pl.lit(False)
    for column in table.columns:
        where = mapping.positions.get(column.name, [])
        if column.name in mapping.from_path:
            mapped.append(
                pl.lit(mapping.from_path[column.name], dtype=pl.String).alias(column.name)
            )
        elif not where:
            mapped.append(pl.lit(None, dtype=pl.String).alias(column.name))
        elif len(where) == 1:
            mapped.append(pl.col(f"c{where[0]}").alias(column.name))
        else:  # JSON records spelling one key two ways: take the one present
            spelled = [pl.col(f"c{i}") for i in where]
            mapped.append(pl.coalesce(spelled).alias(column.name))
            conflict = conflict | (pl.sum_horizontal(e.is_not_null() for e in spelled) > 1)
    extra = (
        pl.struct([pl.col(f"c{i}").alias(h) for h, i in mapping.unknown]).struct.json_encode()
        if mapping.unknown
        else pl.lit(None, dtype=pl.String)
    )
    work = frame.select("_row", *mapped, extra.alias("_extra"), conflict.alias("_conflict"))

    # 1. exact copies of an earlier row of the file
    first, kept = first_occurrences(
        work.select(*names, "_extra"), state.rows, list(table.primary_key) or None
    )
    duplicates = int(work.height - (first.sum() or 0))
    if duplicates:
        work, frame = work.filter(first), frame.filter(first)
    state.rows = pl.concat([state.rows, kept])

    # 2. the row's text itself (a CSV block whose bytes hold no control character needs no look)
    control = pl.lit(None, dtype=pl.String)
    if cells and not batch.control_free:
        pattern = control_character_pattern()
        control = frame.select(
            pl.coalesce(
                pl.when(pl.col(c).str.contains(pattern)).then(
                    pl.lit(_column_for(mapping, int(c[1:])))
                )
                for c in cells
            )
        ).to_series()
    work = work.with_columns(control.alias("_control"))
    excel = _excel_errors(batch, mapping, table)
    if excel.height:
        work = work.join(excel, on="_row", how="left", maintain_order="left")
    else:
        work = work.with_columns(pl.lit(None, dtype=pl.String).alias("_excel_column"))

    # 3. typing: every column in one pass; the first failing column gives the reason
    typed_frame, reason_frame, detail_frame = coerce_frame(
        list(table.columns),
        work.select(names),
        contract.timezone,
        {c.name: contract.rules_for(c) for c in table.columns},
        today,
    )
    typed = {name: typed_frame.get_column(name) for name in names}
    work = pl.concat(
        [
            work,
            reason_frame.select(pl.all().name.prefix("_r_")),
            detail_frame.select(pl.all().name.prefix("_d_")),
        ],
        how="horizontal",
    )
    # The first reason of each row, as plain columns (the quarantine's sentences are built at the
    # end, for the quarantined rows only): _w_code, _w_column, _w_raw (the column whose text is
    # the raw value) and _w_detail.
    none = pl.lit(None, dtype=pl.String)
    reasons = [
        _Reason(pl.col("_control").is_not_null(), "control_characters", pl.col("_control")),
        _Reason(pl.col("_conflict"), "conflicting_keys", none),
    ]
    for column in table.columns:
        name = pl.lit(column.name)
        reasons += [
            _Reason(pl.col("_excel_column") == column.name, "excel_error", name, column.name),
            _Reason(
                pl.col(f"_r_{column.name}").is_not_null(),
                pl.col(f"_r_{column.name}"),
                name,
                column.name,
                pl.col(f"_d_{column.name}"),
            ),
        ]
    work = work.with_columns(_first_reason(reasons))

    # 4. references, as joins with the referenced table's keys
    for column in table.columns:
        if column.references is None:
            continue
        as_text = typed[column.name].cast(pl.String)
        found = references.found(column.references, as_text)
        if column.references[:2] == table.key:  # a table referring to itself: this file counts
            own = pl.concat([state.own_values.get(column.name, pl.Series([], dtype=pl.String)),
                             as_text.drop_nulls()]).unique()  # fmt: skip
            state.own_values[column.name] = own
            found = found | as_text.is_in(own.implode())
        unknown = work.get_column("_w_code").is_null() & as_text.is_not_null() & found.is_null()
        if unknown.any():
            work = _set_reason(work, unknown, "unknown_reference", column.name)

    # 5. a primary key repeated with other values
    if table.primary_key:
        ok = work.get_column("_w_code").is_null()
        keys = pl.DataFrame({c: typed[c] for c in table.primary_key}).filter(ok)
        first_key, kept = first_occurrences(keys, state.keys)
        state.keys = pl.concat([state.keys, kept])
        if not first_key.all():
            conflict_rows = pl.Series([False] * work.height, dtype=pl.Boolean)
            conflict_rows = conflict_rows.scatter(ok.arg_true(), ~first_key)
            work = _set_reason(work, conflict_rows, "duplicate_key_conflict", table.primary_key[0])

    bad = work.get_column("_w_code").is_not_null()
    loaded = pl.DataFrame({name: typed[name] for name in names}).with_columns(
        work.get_column("_row").alias("_source_row"), work.get_column("_extra")
    )
    if not bad.any():
        return BatchResult(loaded, _quarantined(work.clear(), frame.clear(), mapping, batch, names),
                           duplicates)  # fmt: skip
    quarantined = _quarantined(work.filter(bad), frame.filter(bad), mapping, batch, names)
    return BatchResult(loaded=loaded.filter(~bad), quarantined=quarantined, duplicates=duplicates)


@dataclass
class _Reason:
    """A reason a row may be quarantined for: its condition, code, the quarantine's column name,
    the column whose text is the raw value (if any) and a detail."""

    when: pl.Expr
    code: str | pl.Expr
    column: pl.Expr
    raw_from: str | None = None
    detail: pl.Expr | None = None


def _first_reason(reasons: list[_Reason]) -> list[pl.Expr]:
    """_w_code, _w_column, _w_raw, _w_detail: those of the first reason whose condition holds."""
    out = []
    for name, part in (
        ("_w_code", lambda r: pl.lit(r.code) if isinstance(r.code, str) else r.code),
        ("_w_column", lambda r: r.column),
        ("_w_raw", lambda r: pl.lit(r.raw_from, dtype=pl.String)),
        ("_w_detail", lambda r: r.detail if r.detail is not None else pl.lit(None, pl.String)),
    ):
        expr = pl.lit(None, dtype=pl.String)
        for reason in reversed(reasons):
            expr = pl.when(reason.when.fill_null(False)).then(part(reason)).otherwise(expr)
        out.append(expr.cast(pl.String).alias(name))
    return out


def _set_reason(work: pl.DataFrame, rows: pl.Series, code: str, column: str) -> pl.DataFrame:
    """``code`` on ``column`` for ``rows`` (which have no reason yet); the raw value is the
    column's text."""
    return (
        work.with_columns(rows.alias("_hit"))
        .with_columns(
            pl.when("_hit").then(pl.lit(code)).otherwise("_w_code").alias("_w_code"),
            pl.when("_hit").then(pl.lit(column)).otherwise("_w_column").alias("_w_column"),
            pl.when("_hit").then(pl.lit(column)).otherwise("_w_raw").alias("_w_raw"),
            pl.when("_hit").then(None).otherwise("_w_detail").alias("_w_detail"),
        )
        .drop("_hit")
    )


def _column_for(mapping: HeaderMap, position: int) -> str:
    for name, where in mapping.positions.items():
        if position in where:
            return name
    return mapping.record_names[position]


def _excel_errors(batch: TextBatch, mapping: HeaderMap, table: Table) -> pl.DataFrame:
    """Rows whose contract cell holds an Excel error: (_row, _excel_column)."""
    hits = {}
    for row, position, _, _ in batch.cell_errors:
        for name, where in mapping.positions.items():
            if position in where and row not in hits:
                hits[row] = name
    return pl.DataFrame(
        {"_row": list(hits), "_excel_column": list(hits.values())},
        schema={"_row": pl.Int64, "_excel_column": pl.String},
    )


def _quarantined(
    work: pl.DataFrame, frame: pl.DataFrame, mapping: HeaderMap, batch: TextBatch, names: list[str]
) -> pl.DataFrame:
    cells = [f"c{i}" for i in range(len(mapping.record_names))]
    if work.height and cells:
        record = frame.select(
            pl.struct(
                [pl.col(c).alias(n) for c, n in zip(cells, mapping.record_names, strict=True)]
            ).struct.json_encode()
        ).to_series()
    else:
        record = pl.Series([None] * work.height, dtype=pl.String)
    raw = pl.coalesce(
        pl.lit(None, dtype=pl.String),
        *(pl.when(pl.col("_w_raw") == name).then(pl.col(name).cast(pl.String)) for name in names),
    )
    rows = work.select(
        "_row",
        pl.col("_w_column").alias("column_name"),
        _cut(raw).alias("raw_value"),
        pl.col("_w_code").alias("reason_code"),
        pl.col("_w_detail").alias("detail"),
        record.alias("_record"),
    )
    bad = pl.DataFrame(
        [
            {"_row": b.row, "column_name": None, "raw_value": None, "reason_code": b.reason_code,
             "detail": b.detail, "_record": b.raw}
            for b in batch.bad
        ],
        schema=QUARANTINE_SCHEMA,
    )  # fmt: skip
    if not bad.height:
        return rows.cast(QUARANTINE_SCHEMA).sort("_row")
    return pl.concat([rows.cast(QUARANTINE_SCHEMA), bad]).sort("_row")
