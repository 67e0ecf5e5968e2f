"""`make serve`: Superset and the Dagster UI side by side, both stopped by one Ctrl-C.

Each server runs in its own process group (Superset from its own environment), so a signal to
this process stops both whole trees — gunicorn's workers, Dagster's daemon and code server —
and nothing is left listening.
"""

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time

from pipelines.config import REPO_ROOT


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
    args = parser.parse_args(argv)

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
            time.sleep(0.5)
        failed = [p.args[1] for p in processes if p.poll() is not None]
        print(f"stopped by itself: {', '.join(failed)}; stopping the other", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nstopping Superset and Dagster …", flush=True)
        return 0
    finally:
        stop(processes)


if __name__ == "__main__":
    sys.exit(main())
