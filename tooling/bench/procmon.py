"""Run a command and watch its whole process tree's memory, from ``/proc`` (no psutil).

The pipeline runs dbt as a grandchild and DuckDB inside both, so the memory that matters is the
summed resident set of every descendant. A sampler thread reads ``/proc`` every ~0.2 s and keeps
the peak. It also guards the machine (no swap here): when the tree's RSS passes a limit, or the
machine's available memory runs low, it stops the tree and says why, rather than letting the
kernel's OOM killer pick a victim among other people's processes.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

PROC = Path("/proc")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
MB = 1024 * 1024


def parse_stat(text: str) -> tuple[int, int]:
    """(ppid, pgid) from the text of ``/proc/<pid>/stat``; the command name may hold spaces and
    parentheses, so fields are counted from the last ``)``."""
    rest = text[text.rindex(")") + 2 :].split()
    return int(rest[1]), int(rest[2])


def parse_meminfo(text: str) -> dict[str, int]:
    """``/proc/meminfo`` as bytes per field."""
    out = {}
    for line in text.splitlines():
        name, _, value = line.partition(":")
        parts = value.split()
        if parts:
            out[name.strip()] = int(parts[0]) * (1024 if parts[1:] == ["kB"] else 1)
    return out


def meminfo(proc: Path = PROC) -> dict[str, int]:
    return parse_meminfo((proc / "meminfo").read_text())


def process_table(proc: Path = PROC) -> dict[int, tuple[int, int]]:
    """pid → (ppid, resident bytes) for every process still readable."""
    table = {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid, _ = parse_stat((entry / "stat").read_text())
            resident = int((entry / "statm").read_text().split()[1]) * PAGE_SIZE
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile
        table[int(entry.name)] = (ppid, resident)
    return table


def descendants(table: dict[int, tuple[int, int]], root: int) -> set[int]:
    """``root`` and every process below it."""
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    found, todo = set(), [root]
    while todo:
        pid = todo.pop()
        if pid in found:
            continue
        found.add(pid)
        todo.extend(children.get(pid, []))
    return found & (set(table) | {root})


def tree_rss(root: int, proc: Path = PROC) -> tuple[int, int]:
    """(summed resident bytes, number of processes) of ``root``'s tree."""
    table = process_table(proc)
    pids = descendants(table, root)
    return sum(table[pid][1] for pid in pids if pid in table), len(pids & set(table))


@dataclass
class Watched:
    """What a watched command did."""

    returncode: int | None
    wall_s: float
    peak_rss_bytes: int
    peak_processes: int
    samples: int
    aborted: str | None = None  # why the bench stopped it (memory, time), else None
    log_path: Path | None = None
    started_at: float = 0.0  # time.time() at start
    extra: dict = field(default_factory=dict)

    @property
    def peak_rss_mb(self) -> float:
        return self.peak_rss_bytes / MB


def session_members(session: int, proc: Path = PROC) -> set[int]:
    """Processes whose session id is ``session`` (a command started with
    ``start_new_session=True`` and everything it started, unless one called setsid)."""
    members = set()
    for entry in proc.iterdir():
        if entry.name.isdigit():
            try:
                text = (entry / "stat").read_text()
            except OSError:
                continue
            if int(text[text.rindex(")") + 2 :].split()[3]) == session:
                members.add(int(entry.name))
    return members


def stop_tree(proc: subprocess.Popen, grace_s: float = 20.0) -> None:
    """Stop a command started with ``start_new_session=True``: its process group, and every
    process of its session (dbt, the daemon's children), by id. SIGTERM, then SIGKILL."""
    if proc.poll() is not None:
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        for pid in session_members(proc.pid) - {proc.pid}:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        try:
            proc.wait(timeout=grace_s)
            break
        except subprocess.TimeoutExpired:
            continue
    else:
        proc.wait(timeout=10)
    for pid in session_members(proc.pid):  # anything the leader left behind
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def run_watched(
    cmd: list[str],
    env: dict[str, str],
    cwd: Path,
    log_path: Path,
    timeout_s: float | None = None,
    mem_limit_bytes: int | None = None,
    min_available_bytes: int = 512 * MB,
    interval_s: float = 0.2,
) -> Watched:
    """Run ``cmd`` in its own session, output to ``log_path``, sampling its tree's memory."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    peak = [0, 0]
    samples = [0]
    aborted: list[str] = []
    done = threading.Event()
    started = time.perf_counter()
    started_at = time.time()
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            cmd, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

        def sample() -> None:
            while not done.is_set():
                rss, count = tree_rss(proc.pid)
                samples[0] += 1
                peak[0], peak[1] = max(peak[0], rss), max(peak[1], count)
                if not aborted:
                    available = meminfo().get("MemAvailable", 1 << 62)
                    if mem_limit_bytes and rss > mem_limit_bytes:
                        aborted.append(
                            f"memory guard: the run's processes held {rss / MB:,.0f} MB "
                            f"(limit {mem_limit_bytes / MB:,.0f} MB)"
                        )
                    elif available < min_available_bytes:
                        aborted.append(
                            f"memory guard: the machine had {available / MB:,.0f} MB available "
                            f"left while the run held {rss / MB:,.0f} MB"
                        )
                    elif timeout_s and time.perf_counter() - started > timeout_s:
                        aborted.append(f"time limit: still running after {timeout_s:,.0f} s")
                    if aborted:
                        threading.Thread(target=stop_tree, args=(proc,), daemon=True).start()
                done.wait(interval_s)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            returncode = proc.wait()
        except BaseException:
            stop_tree(proc)
            raise
        finally:
            wall = time.perf_counter() - started
            done.set()
            sampler.join(timeout=5)
    return Watched(
        returncode=returncode,
        wall_s=wall,
        peak_rss_bytes=peak[0],
        peak_processes=peak[1],
        samples=samples[0],
        aborted=aborted[0] if aborted else None,
        log_path=log_path,
        started_at=started_at,
    )
