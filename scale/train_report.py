"""The end of a scale/train.py run: parity.json (its step-0 and step-1 losses against the browser implementation's
reference.csv, printed as a table) and the report.json stub `npm run report` and `npm run replicate -- --engine torch`
read (config, and meta: backend, versions, threads, parity, the per-position heatmap, the sweep, the phases' seconds).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

import torch

from records import format_parity, parity_table


def finite_or_none(x):
    """JSON has no Infinity: a diverged run's loss is written as null (as JSON.stringify does)."""
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: finite_or_none(v) for k, v in x.items()}
    if isinstance(x, list):
        return [finite_or_none(v) for v in x]
    return x


def write_last_evals(tr, out: str) -> None:
    """
    OUT/last-eval.json: each main run's last evaluation in this process (its step; the fields of evals.ts EvalResult), so
    `replicate --engine torch` finishes without evaluating the runs again in tfjs for the heatmap and the per-image
    losses (torch-engine.ts). A run not evaluated in this process (finished by an earlier --resume) is absent.
    """
    runs = {}
    for (arm, seed), r in tr.main_eval.items():
        runs[f"{arm} s{seed}"] = {
            "step": r["step"], "textLoss": r["text"], "imageLoss": r["image"], "loss": r["loss"], "imageLeak": r["leak"],
            "imageLossByPosition": r["by_position"], "imageLossByImage": r["by_image"],
            "englishLoss": r["english"], "englishOodLoss": r["english_ood"],
            "englishLossTextIds": r["english_text_ids"], "englishOodLossTextIds": r["english_ood_text_ids"],
        }
    with open(os.path.join(out, "last-eval.json"), "w", encoding="utf-8") as f:
        json.dump(finite_or_none({"format": "tabula-rasa-last-eval", "version": 1, "runs": runs}), f)


def finish(tr, a: argparse.Namespace, cfg: dict, t0: float) -> int:
    """parity.json (this run's step-0/1 losses against the browser's) and the report.json stub for npm run report."""
    acc, ex = tr.acc, tr.ex
    acc.wait_for_everyone()
    if tr.writer is None:
        return 0
    tr.writer.close()
    rows = parity_table(ex.reference(), tr.writer.records)
    worst = max((r["abs_diff"] for r in rows), default=0.0)
    ok = worst <= a.parity_tol
    with open(os.path.join(a.out, "parity.json"), "w", encoding="utf-8") as f:
        json.dump(finite_or_none({"tolerance": a.parity_tol, "max_abs_diff": worst, "ok": ok, "rows": rows}), f, indent=2)
    print(format_parity(rows))
    print(f"train.py: parity with the browser implementation at step 0 (evaluation) and step 1 (training losses): max |diff| {worst:.2e} nats ({'within' if ok else 'BEYOND'} {a.parity_tol:g})")
    by_pos: dict[str, list[float]] = {}
    for arm in ex.arms:
        evals = [tr.last_eval[(arm.name, s)]["by_position"] for s in range(cfg["seeds"]) if (arm.name, s) in tr.last_eval]
        if evals:
            by_pos[arm.name] = [sum(e[p] for e in evals) / len(evals) for p in range(len(evals[0]))]
    write_last_evals(tr, a.out)
    import accelerate
    import transformers

    meta = {
        "backend": f"pytorch {acc.device.type} x {acc.num_processes} ({acc.mixed_precision} precision)",
        "command": "accelerate launch scale/train.py " + " ".join(sys.argv[1:]),
        "export": {"path": os.path.abspath(ex.path), "command": ex.meta["command"]},
        "dataset": ex.meta["dataset"]["name"],
        "lm": ex.meta["lm"]["path"],
        "vq": ex.meta["vq"]["path"],
        "trainImages": int(ex.train_ids.shape[0]),
        "valImages": int(min(cfg["evalImages"], ex.val_ids.shape[0]) if cfg["evalImages"] > 0 else ex.val_ids.shape[0]),
        "imageTokens": ex.image_tokens,
        "seconds": round(time.time() - t0),
        "stopped": tr.stopped,
        "imageLossByPosition": by_pos,
        "parity": {"max_abs_diff": worst, "tolerance": a.parity_tol, "ok": ok},
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__, "accelerate": accelerate.__version__},
        "threads": torch.get_num_threads(),
        "phases": {k: round(v, 2) for k, v in tr.phases.items()},
    }
    if tr.sweep:
        meta["sweep"] = tr.sweep  # as replicate records it (report.json meta.sweep)
    if a.steps and a.steps < cfg["steps"]:
        meta["stoppedAt"] = a.steps
    stub = {"preset": cfg["preset"], "config": cfg, "seeds": cfg["seeds"], "arms": cfg["arms"], "effects": None, "meta": meta}
    with open(os.path.join(a.out, "report.json"), "w", encoding="utf-8") as f:
        json.dump(finite_or_none(stub), f, indent=2)
    print(f"train.py: done in {(time.time() - t0) / 60:.1f} min -> {a.out}/metrics.csv; next: npm run report -- {a.out}")
    return 3 if (a.strict_parity and not ok) else 0
