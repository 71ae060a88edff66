"""Run every benchmark in bench/ against PostgreSQL. Usage: python bench/run.py [name ...]"""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

BENCHMARKS = ["provenance", "api", "capture", "pipeline", "ui"]


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
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
