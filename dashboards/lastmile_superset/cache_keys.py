"""The parts of a chart answer's cache key that are Lastmile's (lastmile_superset/access.py adds
them), in plain Python: dashboards/warm.py and the tests use them without importing Superset."""

from __future__ import annotations

import os


def served_file_version(path: str) -> str:
    """The served file's identity: a publish swaps a new file in (another inode)."""
    try:
        stat = os.stat(path)
    except OSError:
        return "missing"
    return f"{stat.st_ino}-{stat.st_size}-{stat.st_mtime_ns}"


def rls_depends_on_user(clauses: list[str]) -> bool:
    """Whether these row-level-security clauses may filter differently for different users: any
    Jinja in them (``{{ current_username() }}``, macros, statements). Clauses without Jinja filter
    alike for everyone they apply to; no clause at all means every row."""
    return any(marker in clause for clause in clauses for marker in ("{{", "{%", "{#"))
