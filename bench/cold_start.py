"""Cold start: what ``import app`` costs against the floor ``import chalice, boto3``.

Each sample runs ``python -X importtime -c ...`` in a fresh interpreter and reads the total of
the top-level imports; the two commands alternate so machine noise hits both alike.
Target: app / floor at most 1.25. Run: .venv/bin/python -m bench.cold_start [rounds]
"""
from __future__ import annotations

import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP = "import app"
FLOOR = "import chalice, boto3"
ROUNDS = 9


def import_time_us(statement: str) -> int:
    """Sum of the cumulative times of the top-level imports that ``statement`` triggers."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-c", statement], cwd=ROOT,
                            capture_output=True, text=True, check=True)
    total = 0
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = (part.strip() for part in line.split("|"))
        if cumulative.isdigit() and not name.startswith(" ") and line.split("|")[2][1] != " ":
            total += int(cumulative)
    return total


def main(rounds: int = ROUNDS) -> None:
    app_us, floor_us = [], []
    for _ in range(rounds):
        app_us.append(import_time_us(APP))
        floor_us.append(import_time_us(FLOOR))
    app_ms, floor_ms = statistics.median(app_us) / 1000, statistics.median(floor_us) / 1000
    print(f"median of {rounds}: import app {app_ms:.0f} ms, import chalice, boto3 "
          f"{floor_ms:.0f} ms")
    print(f"ratio app/floor: {app_ms / floor_ms:.2f} (target <= 1.25)")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:2]))
