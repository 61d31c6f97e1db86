"""Benchmarks cannot rot: each `bench/*.py` runs end to end at a tiny size, so a renamed function
or a changed signature breaks the build instead of the benchmark. The figures at this size mean
nothing; that the script runs and ends with its ratio line does.

They need PostgreSQL (and PostGIS, pgbench, DuckDB: CI installs them), so they run in the
PostgreSQL pass only."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent

TINY = {
    "nearby.py": ["--stores", "2000", "--queries", "20"],
    "ledger.py": ["--clients", "2", "--seconds", "1", "--cards", "20"],
    "fanout.py": ["--subscribers", "500", "--batch", "100"],
    "rfm.py": ["--customers", "300", "--orders", "3000", "--merchants", "3"],
    "pages.py": ["--merchants", "6", "--consumers", "40", "--repeat", "1"],
    "load.py": ["--seconds", "1", "--clients", "1", "--workers", "1", "--threads", "2"]
    + ["--merchants", "6", "--consumers", "40", "--tills", "1"],
}

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the benchmarks run against PostgreSQL"
)


def test_every_benchmark_is_run_here():
    assert sorted(TINY) == sorted(path.name for path in (ROOT / "bench").glob("*.py"))


@pytest.mark.parametrize("script", sorted(TINY))
def test_the_benchmark_runs_and_prints_its_ratio(script):
    environment = {**os.environ, "PYTHONUNBUFFERED": "1"}
    environment.pop("DATABASE_URL", None)  # the benchmarks make databases of their own
    for name in ("REGULARS_CLOCK_AT", "DJANGO_SETTINGS_MODULE"):
        environment.pop(name, None)
    finished = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *TINY[script]],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    lines = finished.stdout.strip().splitlines()
    assert finished.returncode == 0, finished.stderr[-3000:] or finished.stdout[-3000:]
    assert lines and "ratio" in lines[-1], lines[-5:]
