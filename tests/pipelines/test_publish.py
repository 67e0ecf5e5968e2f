"""Publish-by-swap: the served file is replaced atomically and never opened read-write."""

from pathlib import Path

import duckdb
import pytest

from pipelines.publish import publish


def build_file(path: Path, rows: int) -> Path:
    with duckdb.connect(str(path)) as conn:
        conn.execute("create schema marts; create schema staging")
        conn.execute(f"create table marts.m as select range as n from range({rows})")
        conn.execute("create table staging.s as select 1 as x")
        conn.execute("create view marts.v as select * from marts.m")
    return path


def test_publish_copies_only_mart_tables(tmp_path):
    build = build_file(tmp_path / "build.duckdb", 3)
    published = publish(build, tmp_path / "serve" / "lastmile.duckdb")
    assert published.tables == {"marts.m": 3}
    with duckdb.connect(str(published.path), read_only=True) as conn:
        tables = conn.execute(
            "select table_schema || '.' || table_name from information_schema.tables"
        ).fetchall()
    assert tables == [("marts.m",)]


def test_a_reader_keeps_working_across_a_swap_and_then_sees_new_data(tmp_path):
    serve = tmp_path / "lastmile.duckdb"
    publish(build_file(tmp_path / "b1.duckdb", 3), serve)
    reader = duckdb.connect(str(serve), read_only=True)
    assert reader.execute("select count(*) from marts.m").fetchone()[0] == 3
    publish(build_file(tmp_path / "b2.duckdb", 5), serve)
    # the open reader still answers from the file it opened
    assert reader.execute("select count(*) from marts.m").fetchone()[0] == 3
    reader.close()
    with duckdb.connect(str(serve), read_only=True) as fresh:
        assert fresh.execute("select count(*) from marts.m").fetchone()[0] == 5


def test_a_failed_publish_leaves_the_served_file_intact(tmp_path):
    serve = tmp_path / "lastmile.duckdb"
    publish(build_file(tmp_path / "b1.duckdb", 3), serve)
    before = serve.read_bytes()
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    with pytest.raises(RuntimeError, match="nothing to publish"):
        publish(empty, serve)
    assert serve.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if "publishing" in p.name] == []


def test_a_stale_wal_beside_the_served_file_is_removed(tmp_path):
    serve = tmp_path / "lastmile.duckdb"
    (tmp_path / "lastmile.duckdb.wal").write_bytes(b"left by a killed writer")
    publish(build_file(tmp_path / "b1.duckdb", 2), serve)
    assert not (tmp_path / "lastmile.duckdb.wal").exists()
    with duckdb.connect(str(serve), read_only=True) as conn:
        assert conn.execute("select count(*) from marts.m").fetchone()[0] == 2
