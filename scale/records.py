"""Metric records in this project's long CSV (`arm,seed,step,tokens,metric,value,wall_time`, wall_time in seconds
since the epoch and absent from older files; src/core/experiment/metrics-csv.ts), the comparison of two sets of records (parity), and the LR sweep's choice (src/core/experiment/sweep.ts
summariseSweep). Standard library only, so scale/compare.py runs without torch.
"""
from __future__ import annotations

import csv
import math
import os
import time
from typing import IO, Iterable

HEADER = ["arm", "seed", "step", "tokens", "metric", "value"]
WALL_TIME = "wall_time"


class MetricsWriter:
    """Appends records to a metrics.csv as they come (a run that dies leaves a valid file up to its last step)."""

    def __init__(self, path: str):
        self.path = path
        self._f: IO[str] = open(path, "w", encoding="utf-8", newline="")
        self._w = csv.writer(self._f, lineterminator="\n")
        self._w.writerow(HEADER + [WALL_TIME])
        self._f.flush()  # a kill before the first step's records still leaves a file with its header
        self.records: list[dict] = []

    def add(self, arm: str, seed: int, step: int, tokens: int, metric: str, value: float) -> None:
        wall = time.time()
        self.records.append({"arm": arm, "seed": seed, "step": step, "tokens": tokens, "metric": metric, "value": value, "wall_time": wall})
        self._w.writerow([arm, seed, step, tokens, metric, repr(float(value)), repr(wall)])

    def restore(self, records: list[dict]) -> None:
        """Write records kept from an earlier run (train.py --resume) with their own wall times."""
        for r in records:
            self.records.append(r)
            self._w.writerow([r["arm"], r["seed"], r["step"], r["tokens"], r["metric"], repr(float(r["value"])), repr(r["wall_time"]) if "wall_time" in r else ""])

    def flush(self) -> None:
        self._f.flush()

    def close(self) -> None:
        self._f.close()


def read_kept(path: str) -> list[dict]:
    """The records a resumed run keeps from its metrics.csv: none when the file is absent or empty (a run killed before
    its writer's header reached the disk, e.g. during the LR sweep, which logs no records); otherwise read_metrics."""
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        return []
    return read_metrics(path)


def read_metrics(path: str) -> list[dict]:
    """A metrics.csv as records (with "wall_time" where the file has it); refuses a wrong header or row, naming the file and line."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    if not rows or rows[0] not in (HEADER, HEADER + [WALL_TIME]):
        raise ValueError(f"{path}: header is {','.join(rows[0]) if rows else '(empty)'}, expected {','.join(HEADER)} (optionally followed by ,{WALL_TIME})")
    wall = len(rows[0]) == 7
    out = []
    for line, r in enumerate(rows[1:], start=2):
        try:
            if len(r) != len(rows[0]):
                raise ValueError
            arm, seed, step, tokens, metric, value = r[:6]
            rec = {"arm": arm, "seed": int(seed), "step": int(step), "tokens": int(tokens), "metric": metric, "value": float(value)}
            if wall and r[6] != "":
                rec["wall_time"] = float(r[6])
            out.append(rec)
        except ValueError:
            raise ValueError(f"{path}, line {line}: expected {','.join(HEADER)} with integer seed, step and tokens, got {','.join(r)}") from None
    return out


def parity_table(reference: Iterable[dict], records: Iterable[dict], steps: set[int] | None = None) -> list[dict]:
    """Each (arm, seed, step, metric) of `reference` beside the same in `records`: both values and |difference|."""
    mine = {(r["arm"], r["seed"], r["step"], r["metric"]): r["value"] for r in records}
    rows = []
    for r in reference:
        if steps is not None and r["step"] not in steps:
            continue
        key = (r["arm"], r["seed"], r["step"], r["metric"])
        other = mine.get(key)
        diff = abs(other - r["value"]) if other is not None else math.inf
        rows.append({"arm": r["arm"], "seed": r["seed"], "step": r["step"], "metric": r["metric"], "reference": r["value"], "value": other, "abs_diff": diff})
    return rows


def format_parity(rows: list[dict], a: str = "browser (tfjs)", b: str = "scale (torch)") -> str:
    """The parity rows as an aligned text table."""
    head = f"{'arm':<24} {'seed':>4} {'step':>5} {'metric':<28} {a:>18} {b:>18} {'|diff|':>10}"
    lines = [head, "-" * len(head)]
    for r in rows:
        v = "missing" if r["value"] is None else f"{r['value']:.7f}"
        lines.append(f"{r['arm']:<24} {r['seed']:>4} {r['step']:>5} {r['metric']:<28} {r['reference']:>18.7f} {v:>18} {r['abs_diff']:>10.2e}")
    return "\n".join(lines)


def summarise_sweep(cells: list[dict]) -> tuple[list[dict], dict[str, float]]:
    """Mean and sd per (arm, lr) and each arm's best: the lowest mean; a tie (within 1e-9) goes to the smaller LR."""
    keys = []
    for c in cells:
        if (c["arm"], c["lr"]) not in keys:
            keys.append((c["arm"], c["lr"]))
    table = []
    for arm, lr in keys:
        vals = [c["valLoss"] for c in cells if c["arm"] == arm and c["lr"] == lr]
        n = len(vals)
        mean = sum(vals) / n
        sd = math.sqrt(sum((v - mean) ** 2 for v in vals) / (n - 1)) if n > 1 and math.isfinite(mean) else None
        table.append({"arm": arm, "lr": lr, "mean": mean, "sd": sd, "n": n})
    table.sort(key=lambda r: (r["arm"], r["lr"]))
    best: dict[str, float] = {}
    for arm in dict.fromkeys(r["arm"] for r in table):
        rows = [r for r in table if r["arm"] == arm]
        pick = rows[0]
        for r in rows:
            if r["mean"] < pick["mean"] - 1e-9:
                pick = r
        if math.isfinite(pick["mean"]):
            best[arm] = pick["lr"]
    return table, best
