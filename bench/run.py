"""Run every benchmark in bench/ against PostgreSQL. Usage: python bench/run.py [name ...]"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

BENCHMARKS = ["provenance"]


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    names = argv or BENCHMARKS
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        module.main()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
