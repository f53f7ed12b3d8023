"""Print measured figures as one plain table: measure, value, goal, baseline, and whether the
goal is met.

Every bench module returns `Row`s; `run.py` prints them all with `print_table`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    measure: str
    value: str
    goal: str = ""
    met: bool | None = None  # None: no goal to meet
    baseline: str = ""  # the same figure for the comparison taken in the same run


def percentile(values: list[float], share: float) -> float:
    """The `share` (0–1) percentile of `values`, nearest-rank (no interpolation)."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    rank = max(1, round(share * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def print_table(rows: list[Row], title: str = "", out=print) -> None:
    """Columns sized to their content; a last column says "ok" or "MISSED" per goal."""
    header = ("measure", "value", "goal", "baseline", "")
    cells = [
        (
            r.measure,
            r.value,
            r.goal,
            r.baseline,
            "" if r.met is None else ("ok" if r.met else "MISSED"),
        )
        for r in rows
    ]
    widths = [max(len(str(c[i])) for c in [header, *cells]) for i in range(5)]

    def line(values) -> str:
        return "  ".join(str(v).ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()

    if title:
        out(title)
    out(line(header))
    out(line("-" * w for w in widths))
    for cell in cells:
        out(line(cell))


def report(run, title: str, argv: list[str] | None = None) -> int:
    """A bench part's `main`: `run()` gives (rows, notes); with `--json FILE` they are written
    for bench/run.py's `part()` to read, else printed as a table. Returns the exit status."""
    import json
    import sys
    from pathlib import Path

    argv = sys.argv if argv is None else argv
    rows, notes = run()
    if "--json" in argv:
        out = Path(argv[argv.index("--json") + 1])
        data = {"rows": [row.__dict__ for row in rows], "notes": notes}
        out.write_text(json.dumps(data, ensure_ascii=False))
        return 0
    print()
    print_table(rows, title=title)
    for note in notes:
        print(note)
    return 0
