"""When the dbt asset rebuilds the incremental facts from all history, and when it need not."""

import shutil

from pipelines.config import DBT_PROJECT_DIR, load_settings
from pipelines.transform.dbt import (
    DEFINITION_PATHS,
    definitions_fingerprint,
    full_refresh_reason,
    record_full_rebuild,
)


def project_copy(tmp_path, names=DEFINITION_PATHS):
    """A copy of the dbt project's ``names`` (files or folders) under ``tmp_path``."""
    target = tmp_path / "dbt_project"
    for top in names:
        source = DBT_PROJECT_DIR / top
        if source.is_dir():
            shutil.copytree(source, target / top)
        else:
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, target / top)
    return target


def test_a_rule_model_or_macro_change_changes_the_fingerprint(tmp_path):
    project = project_copy(tmp_path)
    before = definitions_fingerprint(project)
    assert definitions_fingerprint(project) == before  # stable
    seed = project / "seeds" / "rule_parameters.csv"
    seed.write_text(seed.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    after_seed = definitions_fingerprint(project)
    assert after_seed != before
    macro = project / "macros" / "incremental.sql"
    macro.write_text(macro.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert definitions_fingerprint(project) not in {before, after_seed}


def test_full_refresh_reasons(tmp_path):
    settings = load_settings(
        {"LASTMILE_HOME": str(tmp_path), "LASTMILE_BUILD_DB": str(tmp_path / "build.duckdb")}
    )
    assert full_refresh_reason(settings, True, "f1") == "requested"
    assert full_refresh_reason(settings, False, "f1") == "first build of this warehouse"
    settings.build_db.write_bytes(b"")  # a warehouse without a recorded full rebuild
    assert full_refresh_reason(settings, False, "f1") == "first build of this warehouse"
    record_full_rebuild(settings, "f1")
    assert full_refresh_reason(settings, False, "f1") is None
    assert full_refresh_reason(settings, True, "f1") == "requested"
    assert "changed" in full_refresh_reason(settings, False, "f2")


def test_the_weekly_job_asks_dbt_for_a_full_refresh():
    from pipelines.jobs import DBT_ASSETS_NAME, full_rebuild_job, refresh_job
    from pipelines.schedules import daily_refresh_schedule, weekly_full_rebuild_schedule

    assert full_rebuild_job.config == {"ops": {DBT_ASSETS_NAME: {"config": {"full_refresh": True}}}}
    assert refresh_job.config is None
    assert weekly_full_rebuild_schedule.job_name == full_rebuild_job.name
    assert daily_refresh_schedule.job_name == refresh_job.name
    assert weekly_full_rebuild_schedule.execution_timezone == "Asia/Shanghai"
