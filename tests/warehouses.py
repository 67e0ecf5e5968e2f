"""Comparing two builds of the warehouse table by table.

Two builds of the same landed rows must agree on every fact. They may differ only in the columns
that record the machine's own clock: when a file landed or was ingested, when freshness was
measured and how long ago that was (the 数据质量 marts). Those columns are left out of the
comparison; everything else, in every table, must match row for row."""

import duckdb

# column names (SQL `like` patterns) that record when the machine ran, not what the data says
RUN_CLOCK_COLUMNS = (
    "%landed_at%",
    "%ingested_at%",
    "%loaded_at%",
    "checked_at",
    "hours_since%",
    "seconds_since%",
    "stale_since_key",
)


def compared_columns(conn: duckdb.DuckDBPyConnection, catalog: str, table: str) -> str:
    """The quoted column list of `schema.table` in `catalog`, without the run-clock columns."""
    schema, name = table.split(".")
    clock = " and ".join("column_name not like ?" for _ in RUN_CLOCK_COLUMNS)
    columns = conn.execute(
        "select column_name from information_schema.columns where table_catalog = ? "
        f"and table_schema = ? and table_name = ? and {clock} order by ordinal_position",
        [catalog, schema, name, *RUN_CLOCK_COLUMNS],
    ).fetchall()
    assert columns, f"{catalog}.{table} has no columns to compare"
    return ", ".join(f'"{column}"' for (column,) in columns)


def rows_only_in_each(
    conn: duckdb.DuckDBPyConnection, a: str, b: str, table: str
) -> tuple[int, int]:
    """Rows of `table` found only in catalog `a`, and only in catalog `b` (duplicates counted)."""
    columns = compared_columns(conn, a, table)
    return tuple(
        conn.execute(
            f"select count(*) from (select {columns} from {x}.{table} "
            f"except all select {columns} from {y}.{table})"
        ).fetchone()[0]
        for x, y in ((a, b), (b, a))
    )


def rows_by_key(conn: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> dict:
    """The rows of ``sql`` keyed by their first column: ``{first: (the other columns…)}``."""
    return {row[0]: row[1:] for row in conn.execute(sql, params or []).fetchall()}
