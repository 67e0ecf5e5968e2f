import json
import os

import dagster as dg
import pytest

from pipelines.sensors import (
    SENSOR_INTERVAL_ENV,
    changed_files,
    landing_sensor,
    landing_state,
    sensor_interval_seconds,
)


def test_changed_files_are_new_or_different_ones():
    previous = {"crm/a.csv": "10:1", "crm/b.csv": "20:1", "crm/gone.csv": "5:1"}
    current = {"crm/a.csv": "10:1", "crm/b.csv": "21:2", "erp/c.xlsx": "7:3"}
    assert changed_files(previous, current) == ["crm/b.csv", "erp/c.xlsx"]
    assert changed_files(current, current) == []


def test_the_landing_sensor_starts_one_run_per_change(tmp_path, monkeypatch):
    landing = tmp_path / "landing"
    (landing / "crm").mkdir(parents=True)
    (landing / "crm" / "customers.csv").write_text("a\n1\n", encoding="utf-8")
    (landing / "_manifest.json").write_text("{}", encoding="utf-8")  # ignored, like ingestion
    (landing / "crm" / "~$customers.csv").write_text("lock", encoding="utf-8")  # junk
    monkeypatch.setenv("LASTMILE_LANDING_DIR", str(landing))
    monkeypatch.setenv("LASTMILE_SETTLE_SECONDS", "0")
    assert list(landing_state(landing)) == ["crm/customers.csv"]

    with dg.instance_for_test() as instance:
        first = landing_sensor(dg.build_sensor_context(instance=instance))
        assert isinstance(first, dg.RunRequest)
        assert first.tags["lastmile/changed_files"] == "1"
        cursor = json.dumps(landing_state(landing), sort_keys=True)

        quiet = landing_sensor(dg.build_sensor_context(instance=instance, cursor=cursor))
        assert isinstance(quiet, dg.SkipReason)

        path = landing / "crm" / "customers.csv"
        path.write_text("a\n1\n2\n", encoding="utf-8")
        os.utime(path, ns=(1, 2_000_000_000))
        (landing / "crm" / "leads.csv").write_text("b\n", encoding="utf-8")
        again = landing_sensor(dg.build_sensor_context(instance=instance, cursor=cursor))
        assert isinstance(again, dg.RunRequest)
        assert again.tags["lastmile/changed_files"] == "2"
        assert again.run_key != first.run_key


def test_a_file_still_being_written_starts_a_run_only_once_it_settles(tmp_path, monkeypatch):
    landing = tmp_path / "landing"
    (landing / "crm").mkdir(parents=True)
    settled = landing / "crm" / "customers.csv"
    settled.write_text("a\n1\n", encoding="utf-8")
    os.utime(settled, (1_000_000, 1_000_000))
    (landing / "crm" / "leads.csv").write_text("b\n", encoding="utf-8")  # just written
    monkeypatch.setenv("LASTMILE_SETTLE_SECONDS", "3600")
    assert list(landing_state(landing)) == ["crm/customers.csv"]
    monkeypatch.setenv("LASTMILE_SETTLE_SECONDS", "0")
    assert list(landing_state(landing)) == ["crm/customers.csv", "crm/leads.csv"]


def test_a_file_copied_again_with_the_same_content_starts_nothing(tmp_path, monkeypatch):
    """The sensor asks ``pipelines.changes``: same content as the last published build → skip;
    new content → a run of that table (tagged) and what is downstream of it."""
    from pipelines.changes import (
        definitions_fingerprint,
        file_hash,
        ingest_fingerprint,
        published_state_path,
    )
    from pipelines.config import load_settings

    landing = tmp_path / "landing"
    (landing / "crm").mkdir(parents=True)
    path = landing / "crm" / "customers.csv"
    path.write_text("a\n1\n", encoding="utf-8")
    for name, value in {
        "LASTMILE_HOME": tmp_path,
        "LASTMILE_LANDING_DIR": landing,
        "LASTMILE_BUILD_DB": tmp_path / "build.duckdb",
        "LASTMILE_SERVE_DB": tmp_path / "lastmile.duckdb",
        "LASTMILE_AS_OF": "2026-03-31",
        "LASTMILE_SETTLE_SECONDS": "0",
    }.items():
        monkeypatch.setenv(name, str(value))
    settings = load_settings()
    settings.build_db.touch()
    settings.serve_db.touch()
    state = {
        "evaluation_date": "2026-03-31",
        "published_at": "2026-03-31T00:00:00+00:00",
        "definitions_fingerprint": definitions_fingerprint(),
        "ingest_fingerprint": ingest_fingerprint(),
        "files": {"crm/customers.csv": {"status": "loaded", "hash": file_hash(path)}},
    }
    published_state_path(settings).write_text(json.dumps(state), encoding="utf-8")
    with dg.instance_for_test() as instance:
        os.utime(path, ns=(1, 3_000_000_000))  # copied again: new mark, same bytes
        same = landing_sensor(dg.build_sensor_context(instance=instance, cursor="{}"))
        assert isinstance(same, dg.SkipReason) and "Nothing new" in same.skip_message
        path.write_text("a\n1\n2\n", encoding="utf-8")
        new = landing_sensor(dg.build_sensor_context(instance=instance, cursor="{}"))
        assert isinstance(new, dg.RunRequest)
        assert new.tags["lastmile/changed_tables"] == "crm.customers"


def test_the_sensor_interval_is_a_setting_with_a_clear_error():
    assert sensor_interval_seconds({}) == 60
    assert sensor_interval_seconds({SENSOR_INTERVAL_ENV: " 15 "}) == 15
    for wrong in ("0", "-5", "1.5", "soon"):
        with pytest.raises(ValueError, match=SENSOR_INTERVAL_ENV):
            sensor_interval_seconds({SENSOR_INTERVAL_ENV: wrong})
