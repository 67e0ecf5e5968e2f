"""`make serve`: Superset and the Dagster UI side by side, both stopped by one Ctrl-C.

Each server runs in its own process group (Superset from its own environment), so a signal to
this process stops both whole trees — gunicorn's workers, Dagster's daemon and code server —
and nothing is left listening.

It also keeps the chart cache warm for the morning: once Superset is up, and each time the
publish step swaps a new served file in (its identity — inode, size, modification time —
changes), it runs ``dashboards/warm.py`` against the server (one at a time; a publish during a
warming is warmed right after it). ``--no-warm`` or ``LASTMILE_WARM_CACHE=0`` turns it off.
"""

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time

from pipelines.config import REPO_ROOT, load_settings

WARM_POLL_SECONDS = 5.0


def served_version(path) -> str:
    """The served file's identity, as Superset's cache key sees it (lastmile_superset/access.py)."""
    try:
        stat = os.stat(path)
    except OSError:
        return "missing"
    return f"{stat.st_ino}-{stat.st_size}-{stat.st_mtime_ns}"


class CacheWarmer:
    """Runs dashboards/warm.py when the served file changes, one run at a time."""

    def __init__(self, serve_db, superset_port: int) -> None:
        self.serve_db = serve_db
        self.cmd = [
            ".venv-superset/bin/python",
            "dashboards/warm.py",
            "--url",
            f"http://127.0.0.1:{superset_port}",
        ]
        self.warmed: str | None = None  # the version the last started run warmed
        self.proc: subprocess.Popen | None = None
        self.next_check = 0.0

    def poll(self) -> None:
        now = time.monotonic()
        if now < self.next_check:
            return
        self.next_check = now + WARM_POLL_SECONDS
        if self.proc is not None and self.proc.poll() is None:
            return  # a publish meanwhile is seen once this run ends
        version = served_version(self.serve_db)
        if version != "missing" and version != self.warmed:
            self.warmed = version
            print(f"served file {version}: warming the chart cache", flush=True)
            self.proc = start(self.cmd)

    def stop(self) -> list[subprocess.Popen]:
        return [self.proc] if self.proc is not None else []


def start(cmd: list[str]) -> subprocess.Popen:
    return subprocess.Popen(cmd, cwd=REPO_ROOT, start_new_session=True)


def stop(processes: list[subprocess.Popen], timeout: float = 20) -> None:
    """SIGINT (what both servers treat as Ctrl-C), then SIGKILL for what is left."""
    for proc in processes:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
    deadline = time.monotonic() + timeout
    for proc in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(max(0.1, deadline - time.monotonic()))
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # stragglers of the group (daemon, code server)
        proc.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--superset-port", type=int, default=8088)
    parser.add_argument("--dagster-port", type=int, default=3000)
    parser.add_argument(
        "--no-warm",
        action="store_true",
        help="do not warm the chart cache after each publish (also LASTMILE_WARM_CACHE=0)",
    )
    args = parser.parse_args(argv)
    warm = not args.no_warm and os.environ.get("LASTMILE_WARM_CACHE", "1").strip() not in (
        "0",
        "false",
        "no",
    )
    warmer = CacheWarmer(load_settings().serve_db, args.superset_port) if warm else None

    def on_signal(signum, frame):
        raise KeyboardInterrupt

    # Set before starting the servers: a SIGINT ignored by whoever started us (a background
    # job) would otherwise be ignored by them too, and Dagster would not stop on Ctrl-C.
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    superset = [".venv-superset/bin/python", "dashboards/serve.py"]
    dagster = [".venv/bin/dagster", "dev", "-w", "workspace.yaml", "-h", "127.0.0.1"]
    processes = [
        start([*superset, "--port", str(args.superset_port)]),
        start([*dagster, "-p", str(args.dagster_port)]),
    ]
    print(
        f"Superset: http://127.0.0.1:{args.superset_port}/   "
        f"Dagster: http://127.0.0.1:{args.dagster_port}/   (Ctrl-C stops both)",
        flush=True,
    )
    try:
        while all(proc.poll() is None for proc in processes):
            if warmer is not None:
                warmer.poll()
            time.sleep(0.5)
        failed = [p.args[1] for p in processes if p.poll() is not None]
        print(f"stopped by itself: {', '.join(failed)}; stopping the other", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nstopping Superset and Dagster …", flush=True)
        return 0
    finally:
        stop(processes + (warmer.stop() if warmer is not None else []))


if __name__ == "__main__":
    sys.exit(main())
