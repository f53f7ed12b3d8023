"""Fail when a Python module of the studio is over the size limit (migrations aside).

Usage: `python scripts/check_module_size.py [ROOT] [--max N]` (ROOT defaults to `studio`, N to
400 lines). Prints one line per offender, largest first (`path: lines`), and exits 1 when there
is any, 0 otherwise. A module that grows past the limit is split by subject (see
docs/architecture.md "Layers and contracts").
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

MAX_LINES = 400


def count_lines(path: Path) -> int:
    """Lines in `path` as an editor shows them (a last line without a newline counts)."""
    with path.open("rb") as f:
        return sum(1 for _ in f)


def offenders(root: Path, max_lines: int = MAX_LINES) -> list[tuple[Path, int]]:
    """Every `*.py` under `root` over `max_lines` lines, outside `migrations/`, largest first."""
    found = []
    for path in sorted(root.rglob("*.py")):
        if "migrations" in path.relative_to(root).parts:
            continue
        lines = count_lines(path)
        if lines > max_lines:
            found.append((path, lines))
    return sorted(found, key=lambda item: (-item[1], str(item[0])))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", default="studio", type=Path)
    parser.add_argument("--max", type=int, default=MAX_LINES, dest="max_lines")
    args = parser.parse_args(argv)
    if not args.root.is_dir():
        print(f"{args.root}: not a directory", file=sys.stderr)
        return 2
    found = offenders(args.root, args.max_lines)
    for path, lines in found:
        print(f"{path}: {lines} lines (limit {args.max_lines})")
    if found:
        print(f"{len(found)} module(s) over {args.max_lines} lines", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
