"""What changed since the last published build, decided cheaply and before Dagster or dbt load.

Every successful publish records what the served marts were built from in
``<build file>.published.json`` (beside ``build.duckdb``): the evaluation day, a fingerprint of
what defines the results (the dbt project's models, macros and rule seeds; the landing contract;
the quote patterns) and, for every landing file the ingestion audit knows, its status, content
hash (SHA-256) and — when it was certainly not modified after it was read — its size and
modification time.

``plan_run`` compares the landing folder with it: a file whose size and modification time are
those recorded is unchanged without being read; any other file is hashed and compared with the
hash ingestion recorded (a file copied again with the same content is unchanged). The answer is
which ``[source, table]`` ingestion assets have new, changed or vanished files, whether the
evaluation day moved, and whether anything must run at all. Nothing here imports Dagster, dbt or
Polars: ``python -m pipelines.run`` answers "nothing new" in well under a second.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from pipelines.config import CONTRACT_PATH, DBT_PROJECT_DIR, REPO_ROOT, Settings
from pipelines.ingest.contract import Contract, load_contract
from pipelines.ingest.discovery import claims, scan_landing

# what decides the models' results, apart from the data: a change here means a full rebuild
DEFINITION_PATHS = ("dbt_project.yml", "models", "macros", "seeds")
# what decides the raw tables' content, apart from the landing files
INGEST_DEFINITION_FILES = (
    CONTRACT_PATH,
    REPO_ROOT / "pipelines" / "extract" / "quote_patterns.yaml",
)
INVENTORY_KEY = ("ingest", "landing_inventory")
EXTRACT_KEY = ("extract", "wecom_quotes")
HASH_CHUNK = 4 * 1024 * 1024


def definitions_fingerprint(project_dir: Path = DBT_PROJECT_DIR) -> str:
    """A hash of every file that defines the models' results (SQL, macros, rule seeds)."""
    digest = hashlib.sha256()
    for top in DEFINITION_PATHS:
        root = project_dir / top
        files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
        for path in files:
            digest.update(str(path.relative_to(project_dir)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def ingest_fingerprint() -> str:
    digest = hashlib.sha256()
    for path in INGEST_DEFINITION_FILES:
        digest.update(path.name.encode())
        digest.update(path.read_bytes() if path.exists() else b"")
    return digest.hexdigest()


def published_state_path(settings: Settings) -> Path:
    return settings.build_db.with_name(settings.build_db.name + ".published.json")


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _write_json(path: Path, state: dict) -> None:
    partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    partial.write_text(json.dumps(state, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(partial, path)


def record_published(
    settings: Settings, conn, evaluation_date: date | None, contract: Contract | None = None
) -> dict:
    """Record what the build just published was made of (``conn``: the build file). A file's
    size and modification time are kept only when it was modified before ingestion read it, so
    a file rewritten during the run is hashed again by the next ``plan_run``."""
    contract = contract or load_contract(CONTRACT_PATH)
    audited = conn.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'ingest' and table_name = 'file_audit'"
    ).fetchone()[0]
    rows = (
        conn.execute(
            "select file_path, status, file_hash, error_code, ingested_at from ingest.file_audit"
        ).fetchall()
        if audited
        else []
    )
    inventory = scan_landing(settings.landing_dir, contract.landing, settle=0)
    marks = {f.rel: f for f in inventory.files}
    present = set(marks) | {i.rel for i in inventory.skipped} | {i.rel for i in inventory.refused}
    files = {}
    for path, status, hashed, code, ingested_at in rows:
        # gone (its audit row stays): its removal was built, unless it vanished during this very
        # run — then the next change, or the Sunday rebuild, removes its rows
        if path not in present:
            continue
        entry = {"status": status, "hash": hashed or "", "code": code or ""}
        found = marks.get(path)
        if found and hashed and ingested_at and found.mtime_ns < ingested_at.timestamp() * 1e9:
            entry["mark"] = found.mark
        files[path] = entry
    state = {
        "evaluation_date": evaluation_date.isoformat() if evaluation_date else None,
        "published_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "definitions_fingerprint": definitions_fingerprint(),
        "ingest_fingerprint": ingest_fingerprint(),
        "files": files,
    }
    _write_json(published_state_path(settings), state)
    return state


@dataclass
class RunPlan:
    """What a run as of ``evaluation_date`` has to do. ``everything``: every asset (no usable
    record, a full refresh, or a definition changed); else ``changed_tables`` are the ingestion
    assets to run (with what is downstream of them), plus every dbt model when ``date_moved``."""

    evaluation_date: date
    everything: bool = False
    reasons: list[str] = field(default_factory=list)
    changed_tables: set[tuple[str, str]] = field(default_factory=set)
    changed_files: list[str] = field(default_factory=list)
    date_moved: bool = False
    waiting: list[str] = field(default_factory=list)  # still being written: the next run reads
    published_at: str | None = None

    @property
    def nothing_new(self) -> bool:
        return not (self.everything or self.changed_tables or self.date_moved)

    def describe(self) -> str:
        if self.nothing_new:
            text = (
                f"Nothing new since the build published at {self.published_at} (as of "
                f"{self.evaluation_date}): no landing file changed and the evaluation day did not "
                "move; nothing to run (--full-refresh rebuilds anyway)."
            )
        elif self.everything:
            text = f"Running everything: {'; '.join(self.reasons)}."
        else:
            tables = ", ".join(".".join(t) for t in sorted(self.changed_tables)) or "none"
            text = f"Running only what changed: ingestion of {tables} and the models downstream"
            text += "; every model (the evaluation day moved)." if self.date_moved else " of them."
        if self.waiting:
            text += f" Still being written (left for the next run): {', '.join(self.waiting)}."
        return text


def plan_run(
    settings: Settings,
    evaluation_date: date,
    full_refresh: bool = False,
    contract: Contract | None = None,
) -> RunPlan:
    plan = RunPlan(evaluation_date=evaluation_date)
    state_path = published_state_path(settings)
    if full_refresh:
        plan.reasons.append("a full refresh was asked for")
    elif not (state_path.exists() and settings.build_db.exists() and settings.serve_db.exists()):
        plan.reasons.append("no published build recorded yet")
    if plan.reasons:
        plan.everything = True
        return plan
    state = json.loads(state_path.read_text(encoding="utf-8"))
    plan.published_at = state.get("published_at")
    if state.get("definitions_fingerprint") != definitions_fingerprint():
        plan.reasons.append("a dbt model, macro or rule seed changed")
    if state.get("ingest_fingerprint") != ingest_fingerprint():
        plan.reasons.append("the landing contract or the quote patterns changed")
    if plan.reasons:
        plan.everything = True
        return plan
    plan.date_moved = state.get("evaluation_date") != evaluation_date.isoformat()
    contract = contract or load_contract(CONTRACT_PATH)
    recorded: dict[str, dict] = state.get("files", {})
    inventory = scan_landing(settings.landing_dir, contract.landing)
    remarked = False

    def changed(rel: str) -> None:
        plan.changed_files.append(rel)
        owners = [t.key for t in contract.tables if claims(t, rel)]
        plan.changed_tables.update(owners or [INVENTORY_KEY])

    for file in inventory.files:
        entry = recorded.get(file.rel) or {}
        if entry.get("status") == "rejected" and not entry.get("hash"):
            continue  # matches no table, or could not be opened: rejected again, unread
        if entry.get("status") not in ("loaded", "rejected") or not entry.get("hash"):
            changed(file.rel)
        elif entry.get("mark") != file.mark:
            if file_hash(file.path) != entry["hash"]:
                changed(file.rel)
            else:  # same content, touched or copied again: remember its new mark
                entry["mark"] = file.mark
                remarked = True
    for item in inventory.refused:
        if recorded.get(item.rel, {}).get("status") != "rejected":
            changed(item.rel)
    for item in inventory.skipped:
        if item.code == "still_being_written":
            plan.waiting.append(item.rel)
        elif recorded.get(item.rel, {}).get("status") != "skipped":
            changed(item.rel)
    present = {f.rel for f in inventory.files} | {i.rel for i in inventory.refused}
    present |= {i.rel for i in inventory.skipped}
    for rel in sorted(set(recorded) - present):  # vanished: its keys leave the warehouse
        changed(rel)
    if remarked:
        _write_json(state_path, state)
    return plan


def plan_tags(plan: RunPlan) -> dict[str, str]:
    """The run tag naming the tables a partial run ingests (none on a run of everything)."""
    if plan.everything:
        return {}
    return {"lastmile/changed_tables": ",".join(".".join(t) for t in sorted(plan.changed_tables))}


def selected_assets(asset_graph, plan: RunPlan) -> list | None:
    """The assets a run of ``plan`` materialises (None: all of them): the ingestion assets of
    the changed tables and everything downstream of them; with the evaluation day moved, every
    dbt model too (and what is downstream of them), never the unchanged tables' ingestion."""
    import dagster as dg

    from pipelines.ingest.contract import load_contract

    if plan.everything:
        return None
    ingest = {dg.AssetKey(list(t.key)) for t in load_contract(CONTRACT_PATH).tables}
    ingest.add(dg.AssetKey(list(INVENTORY_KEY)))
    derived = {dg.AssetKey(list(EXTRACT_KEY))}  # raw tables computed from ingested ones
    changed = {dg.AssetKey(list(key)) for key in plan.changed_tables}
    selection = dg.AssetSelection.assets(*changed).downstream()
    if plan.date_moved:
        selection = selection | (
            dg.AssetSelection.all() - dg.AssetSelection.assets(*ingest, *derived)
        )
    # a table whose files did not change is never re-ingested, even downstream of a changed one
    # (a table it references): ingestion would skip every file it already loaded
    selection = selection - dg.AssetSelection.assets(*(ingest - changed))
    return sorted(selection.resolve(asset_graph), key=lambda key: key.to_user_string())
