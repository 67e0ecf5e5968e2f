"""What the benchmark ran on: CPU, cores, memory, versions, read from /proc and the tools."""

from __future__ import annotations

import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

from pipelines.config import REPO_ROOT
from tooling.bench.procmon import MB, parse_meminfo

SUPERSET_PYTHON = REPO_ROOT / ".venv-superset" / "bin" / "python"
CHROMIUM = Path("/usr/bin/chromium")


def cpu_model(cpuinfo: str) -> str:
    """The first ``model name`` of ``/proc/cpuinfo`` (or the architecture's equivalent)."""
    for key in ("model name", "Model", "cpu model", "Processor"):
        for line in cpuinfo.splitlines():
            name, _, value = line.partition(":")
            if name.strip() == key and value.strip():
                return value.strip()
    return platform.processor() or platform.machine()


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _output(cmd: list[str]) -> str | None:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def machine_info() -> dict:
    memory = parse_meminfo(Path("/proc/meminfo").read_text())
    try:
        usable_cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        usable_cores = os.cpu_count()
    return {
        "cpu_model": cpu_model(Path("/proc/cpuinfo").read_text()),
        "cores": usable_cores,
        "ram_mb": round(memory.get("MemTotal", 0) / MB),
        "swap_mb": round(memory.get("SwapTotal", 0) / MB),
        "kernel": platform.release(),
        "os": _output(["sh", "-c", ". /etc/os-release && echo $PRETTY_NAME"]),
        "python": platform.python_version(),
    }


def software_versions() -> dict:
    versions = {
        name: _version(name)
        for name in ("dagster", "dagster-dbt", "dbt-core", "dbt-duckdb", "duckdb", "polars")
    }
    versions["great-expectations"] = _version("great-expectations")
    versions["playwright"] = _version("playwright")
    if SUPERSET_PYTHON.exists():
        versions["apache-superset"] = _output(
            [
                str(SUPERSET_PYTHON),
                "-c",
                "from importlib.metadata import version; print(version('apache-superset'))",
            ]
        )
    if CHROMIUM.exists():
        versions["chromium"] = _output([str(CHROMIUM), "--version"])
    return versions
