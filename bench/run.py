"""Run every benchmark in bench/ against PostgreSQL.

Usage: python bench/run.py [name ...]; python bench/run.py NAME --option ... (one benchmark, its
own options: ``million --scale 0.001``, ``reads --rebuild``).
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

BENCHMARKS = ["provenance", "api", "capture", "pipeline", "ui", "reads"]
# Not benchmarks, run by name only: ``million`` builds the scale database that ``reads`` uses.


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    if any(arg.startswith("-") for arg in argv):
        if argv[0].startswith("-"):
            raise SystemExit("Options go after one benchmark: python bench/run.py NAME --option")
        importlib.import_module(f"bench.{argv[0]}").main(argv[1:])
        return 0
    names = argv or BENCHMARKS
    if len(names) > 1:
        # One interpreter each: Django reads its settings, so each benchmark's throw-away
        # DATABASE_URL, once per process.
        failed = [
            name
            for name in names
            if subprocess.run([sys.executable, __file__, name], check=False).returncode  # noqa: S603
        ]
        if failed:
            print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1 if failed else 0
    importlib.import_module(f"bench.{names[0]}").main()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
