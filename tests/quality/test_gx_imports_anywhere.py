"""Great Expectations must import in a process whose main module has no file, as a Dagster run
worker's has not: with pyspark installed (the spark extra), GX probes pyspark's Connect client,
which exits such a process (status 0, "Skipping doctests") unless its own dependencies are there.
Every GX check of a daemon-launched run then failed."""

import subprocess
import sys


def test_great_expectations_imports_in_a_process_without_a_main_file():
    done = subprocess.run(
        [sys.executable, "-c", "import great_expectations; print('imported')"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "imported" in done.stdout, done.stderr[-2000:]
