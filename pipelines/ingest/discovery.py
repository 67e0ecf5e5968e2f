"""What is in the landing folder, and which of it may be read.

The landing folder is a boundary: a file is read only when it is a regular file inside it, reached
without following a symbolic link. Everything else is sorted here, before any byte is read:

- a symbolic link (to a file or a folder), a device, a pipe, or a path resolving outside the
  folder is *refused* (``outside_landing``), named, never opened;
- an editor's or the system's leftover (``landing.junk_files`` in the contract: Office lock files
  ``~$…``, ``.DS_Store``, ``*.part`` …) is *skipped* and listed (``junk_file``);
- a file modified less than ``landing.settle_seconds`` ago may still be being written: it is left
  for the next run (``still_being_written``);
- files and folders whose name starts with ``_`` or ``.`` (the generator's manifest and ground
  truth, hidden files) are ignored silently.

A file name that is not valid UTF-8 (an archive unpacked on Chinese Windows writes GBK names) is
shown as its GB18030 reading when it has one, else with ``\\xNN`` escapes; the real name is kept
to open it.
"""

from __future__ import annotations

import os
import stat
import time
from dataclasses import dataclass, field
from fnmatch import fnmatch, fnmatchcase
from pathlib import Path

from pipelines.ingest.contract import Contract, LandingSettings, Table

SETTLE_ENV = "LASTMILE_SETTLE_SECONDS"


@dataclass(frozen=True)
class LandingFile:
    """A file that may be read: ``rel`` is its name for people and the audit (``/``-separated,
    relative to the landing root, always valid UTF-8); ``path`` is the name to open it by."""

    rel: str
    path: Path
    size: int
    mtime_ns: int

    @property
    def mark(self) -> str:
        return f"{self.size}:{self.mtime_ns}"


@dataclass(frozen=True)
class SkippedFile:
    rel: str
    code: str  # contract.FILE_REASONS / SKIP_REASONS
    message: str


@dataclass
class Inventory:
    files: list[LandingFile] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)  # junk, still being written
    refused: list[SkippedFile] = field(default_factory=list)  # outside the boundary

    def for_table(self, table: Table) -> list[LandingFile]:
        return [f for f in self.files if claims(table, f.rel)]

    def unmatched(self, contract: Contract) -> list[LandingFile]:
        """Readable files no table claims: rejected as ``unknown_table``."""
        return [f for f in self.files if not any(claims(t, f.rel) for t in contract.tables)]

    def skipped_for(self, contract: Contract, table: Table | None) -> list[SkippedFile]:
        """Skipped and refused files a table's globs claim (``None``: those no table claims)."""
        out = []
        for item in self.skipped + self.refused:
            owners = [t for t in contract.tables if claims(t, item.rel)]
            if (table is None and not owners) or (table is not None and table in owners):
                out.append(item)
        return out


def claims(table: Table, rel: str) -> bool:
    return any(fnmatch(rel, glob) for glob in table.files)


def display_name(raw: str) -> str:
    """A name from the file system as valid UTF-8 text (see the module docstring)."""
    data = os.fsencode(raw)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="backslashreplace")


def settle_seconds(landing: LandingSettings, env: dict[str, str] | None = None) -> float:
    """The contract's settle time, or ``$LASTMILE_SETTLE_SECONDS`` when set."""
    value = (os.environ if env is None else env).get(SETTLE_ENV)
    return float(value) if value not in (None, "") else landing.settle_seconds


def is_junk(name: str, landing: LandingSettings) -> bool:
    lowered = name.lower()
    return any(fnmatchcase(lowered, glob.lower()) for glob in landing.junk_files)


def _hidden(name: str) -> bool:
    return name.startswith(("_", "."))


def scan_landing(
    root: Path,
    landing: LandingSettings,
    now: float | None = None,
    settle: float | None = None,
) -> Inventory:
    """Sort every entry under ``root`` (see the module docstring). Nothing is opened."""
    inventory = Inventory()
    if not root.is_dir():
        return inventory
    now = time.time() if now is None else now
    settle = settle_seconds(landing) if settle is None else settle
    real_root = os.path.realpath(root)
    for folder, dirnames, filenames in os.walk(root, followlinks=False):
        rel_folder = os.path.relpath(folder, root)
        prefix = "" if rel_folder == "." else display_name(rel_folder).replace(os.sep, "/") + "/"
        for name in list(dirnames):
            if _hidden(name):
                dirnames.remove(name)
            elif os.path.islink(os.path.join(folder, name)):
                dirnames.remove(name)
                inventory.refused.append(
                    SkippedFile(
                        prefix + display_name(name),
                        "outside_landing",
                        "a symbolic link to a folder: not followed, nothing under it is read",
                    )
                )
        dirnames.sort()
        for name in sorted(filenames):
            rel = prefix + display_name(name)
            if is_junk(name, landing):
                inventory.skipped.append(
                    SkippedFile(rel, "junk_file", "a leftover of an editor or the system: skipped")
                )
                continue
            if _hidden(name):
                continue
            full = os.path.join(folder, name)
            try:
                info = os.lstat(full)
            except OSError:
                continue  # gone meanwhile
            if stat.S_ISLNK(info.st_mode):
                inventory.refused.append(
                    SkippedFile(rel, "outside_landing", "a symbolic link: refused without reading")
                )
                continue
            if not stat.S_ISREG(info.st_mode):
                inventory.refused.append(
                    SkippedFile(rel, "outside_landing", "not a regular file: refused")
                )
                continue
            if not os.path.realpath(full).startswith(real_root + os.sep):
                inventory.refused.append(
                    SkippedFile(rel, "outside_landing", "resolves outside the landing folder")
                )
                continue
            age = now - info.st_mtime
            if 0 <= age < settle:
                inventory.skipped.append(
                    SkippedFile(
                        rel,
                        "still_being_written",
                        f"modified {age:.0f} s ago (settle time {settle:g} s): left for the next "
                        "run",
                    )
                )
                continue
            inventory.files.append(LandingFile(rel, Path(full), info.st_size, info.st_mtime_ns))
    inventory.files.sort(key=lambda f: f.rel)
    return inventory


def open_landing_file(file: LandingFile) -> int:
    """A file descriptor for ``file``, refusing a symbolic link put there since the scan."""
    return os.open(file.path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))


def changed_since_scan(file: LandingFile) -> bool:
    """True when ``file`` was modified (or replaced) after the scan: it is still being written."""
    try:
        info = os.lstat(file.path)
    except OSError:
        return True
    return (info.st_size, info.st_mtime_ns) != (file.size, file.mtime_ns) or not stat.S_ISREG(
        info.st_mode
    )
