"""The LR sweep of scale/train.py, as replicate runs it (src/core/experiment/sweep.ts, sweep-plan.ts).

A fixed grid (`replicate --lr-sweep X,Y,…`) trains every arm at every rate; the fair protocol (`--lr-sweep fair`,
sweep.ts fairSweep) trains every arm at `points` rates `ratio` apart around `centre` at the main run's full horizon,
then, per arm, one more rate beyond whichever edge its best sits at, until no arm's best is at an edge or its
`maxExtensions` run out. Each arm keeps the rate with the lowest mean final val/loss (summarise_sweep). The runs are
given as `train_at(lr, arms) -> cells`, so this module needs no torch and is checked against the TypeScript protocol
on a made-up loss surface (tests/unit/scale-sweep.test.ts).
"""
from __future__ import annotations

from typing import Callable

from records import summarise_sweep

Cell = dict  # {"arm", "lr", "seed", "valLoss", "imageLoss"}
TrainAt = Callable[[float, list], list]


class SweepError(Exception):
    """A sweep that cannot run or found no usable rate; the message says what to change."""


def precision4(x: float) -> float:
    """x rounded to 4 significant figures (JavaScript's Number(x.toPrecision(4)))."""
    return float(f"{x:.4g}")


def sweep_grid(centre: float, ratio: float, points: int) -> list[float]:
    """`points` rates `ratio` apart, geometric around `centre` (sweep.ts sweepGrid)."""
    return [precision4(centre * ratio ** (i - (points - 1) / 2)) for i in range(points)]


def _result(cells: list[Cell], arms: list[str], steps: int, seeds: int, schedule: str) -> dict:
    table, best = summarise_sweep(cells)
    lost = [a for a in arms if a not in best]
    if lost:
        raise SweepError(f"the LR sweep found no learning rate at which {', '.join(lost)} trained without diverging; try smaller rates")
    lrs = sorted({c["lr"] for c in cells})
    return {"lrs": lrs, "steps": steps, "seeds": seeds, "schedule": schedule, "cells": cells, "table": table, "best": best}


def _say(log: Callable[[str], None], lr: float, got: list[Cell]) -> None:
    log(f"  sweep LR {lr}: " + ", ".join(f"{c['arm']} s{c['seed']} {c['valLoss']:.3f}" for c in got))


def grid_sweep(lrs: list[float], steps: int, seeds: int, schedule: str, train_at: TrainAt, arms: list[str], log: Callable[[str], None] = lambda s: None) -> dict:
    """Every arm at every rate of a fixed grid (sweep.ts sweepLearningRates)."""
    cells: list[Cell] = []
    for lr in lrs:
        got = train_at(lr, arms)
        cells.extend(got)
        _say(log, lr, got)
    return _result(cells, arms, steps, seeds, schedule)


def fair_sweep(protocol: dict, train_at: TrainAt, arms: list[str], schedule: str, log: Callable[[str], None] = lambda s: None) -> dict:
    """
    sweep.ts fairSweep: the first grid for every arm, then per arm one rate beyond the edge its best sits at, until
    no best is at an edge or an arm's extensions on that side run out (it keeps its edge rate and is named in
    `unresolved`). Raises SweepError on a protocol below the minimum (< 6 rates, < 2 seeds, ratio <= 1).
    """
    p = protocol
    if p["points"] < 6:
        raise SweepError(f"the fair sweep needs 6 or more rates, got {p['points']}")
    if p["seeds"] < 2:
        raise SweepError(f"the fair sweep needs 2 or more seeds per rate, got {p['seeds']}")
    if not p["ratio"] > 1 or not p["centre"] > 0:
        raise SweepError(f"the fair sweep needs a ratio above 1 and a positive centre rate, got ratio {p['ratio']}, centre {p['centre']}")
    if not arms:
        raise SweepError("the fair sweep needs at least one arm")
    cells: list[Cell] = []

    def run(lr: float, which: list[str]) -> None:
        got = train_at(lr, which)
        cells.extend(got)
        _say(log, lr, got)

    for lr in sweep_grid(p["centre"], p["ratio"], p["points"]):
        run(lr, list(arms))
    extended = {a: {"low": 0, "high": 0} for a in arms}
    unresolved: dict[str, str] = {}
    while True:
        _, best = summarise_sweep(cells)
        nxt: dict[float, list[str]] = {}
        for arm in arms:
            tried = sorted({c["lr"] for c in cells if c["arm"] == arm})
            b = best.get(arm)
            if b is None:
                continue
            edge = "low" if b == tried[0] else "high" if b == tried[-1] else None
            if edge is None:
                unresolved.pop(arm, None)
                continue
            if extended[arm][edge] >= p["maxExtensions"]:
                unresolved[arm] = edge
                continue
            extended[arm][edge] += 1
            lr = precision4(tried[0] / p["ratio"] if edge == "low" else tried[-1] * p["ratio"])
            nxt.setdefault(lr, []).append(arm)
        if not nxt:
            break
        for lr in sorted(nxt):
            log(f"  sweep extending the grid for {', '.join(nxt[lr])} (best at an edge): LR {lr}")
            run(lr, nxt[lr])
    out = _result(cells, list(arms), p["steps"], p["seeds"], schedule)
    for arm, edge in unresolved.items():
        log(f"  sweep {arm}: best rate still at the {edge} edge after {p['maxExtensions']} extensions; it keeps {out['best'][arm]}")
    return {**out, "protocol": dict(p), "unresolved": unresolved}
