"""Compare two runs' metrics.csv, e.g. `npm run replicate` against `scale/train.py` on the same export.

    python3 scale/compare.py BROWSER/metrics.csv SCALE/metrics.csv [--steps 0,1] [--tol 1e-3] [--metrics val/,train/]

Prints every (arm, seed, step, metric) both files hold, with both values and |difference|, then the largest
difference per metric; exits 1 when one exceeds --tol. Standard library only. Timing and memory keys are skipped
(they measure the machine, not the model).
"""
from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from records import format_parity, parity_table, read_metrics  # noqa: E402

SKIP = ("speed/", "mem/")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("a", help="the reference metrics.csv (e.g. npm run replicate's)")
    p.add_argument("b", help="the metrics.csv to check (e.g. scale/train.py's)")
    p.add_argument("--steps", default=None, help="only these steps, comma-separated (default: every step both files hold)")
    p.add_argument("--metrics", default="", help="only metrics starting with one of these comma-separated prefixes")
    p.add_argument("--tol", type=float, default=1e-3, help="largest |difference| allowed (default 1e-3)")
    a = p.parse_args(argv)
    try:
        ra, rb = read_metrics(a.a), read_metrics(a.b)
    except (OSError, ValueError) as e:
        print(f"compare.py: {e}", file=sys.stderr)
        return 2
    prefixes = tuple(x for x in a.metrics.split(",") if x)
    keep = lambda r: not r["metric"].startswith(SKIP) and (not prefixes or r["metric"].startswith(prefixes))  # noqa: E731
    steps = {int(s) for s in a.steps.split(",")} if a.steps else None
    have = {(r["arm"], r["seed"], r["step"], r["metric"]) for r in rb}
    rows = parity_table([r for r in ra if keep(r) and (r["arm"], r["seed"], r["step"], r["metric"]) in have], rb, steps)
    if not rows:
        print("compare.py: the two files share no (arm, seed, step, metric)", file=sys.stderr)
        return 2
    print(format_parity(rows, os.path.dirname(a.a) or a.a, os.path.dirname(a.b) or a.b))
    print()
    worst: dict[str, float] = {}
    for r in rows:
        worst[r["metric"]] = max(worst.get(r["metric"], 0.0), r["abs_diff"])
    for m, d in sorted(worst.items()):
        print(f"{m:<28} max |diff| {d:.2e}")
    bad = [m for m, d in worst.items() if d > a.tol]
    print(f"compare.py: {len(rows)} values; {'all within' if not bad else 'BEYOND'} {a.tol:g}{': ' + ', '.join(bad) if bad else ''}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
