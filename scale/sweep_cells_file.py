"""Turn a recorded sweep's finished runs into a sweep-cells.jsonl that another run of the same setup reads back.

A torch-engine sweep reads OUT/sweep-cells.jsonl before training any run (sweep_run.py), so a new run with more arms
need not train again the arms an earlier run of the same setup already swept: write this file into the new run's
folder, then start it. The header is the sweep identity of `--export` (an export of the new run's setup: `npm run
export -- [its flags] --out X`, or its own folder's `export/`) with the installed torch and transformers, exactly as
train.py computes it; the cells are the `--arms` cells of `--sweep` (a run's sweep.json). Refused, naming the field,
when the sweep.json's protocol, steps or seeds are not the export's, or the run it came from (report.json beside it)
had another configuration or torch/transformers versions; cells already in `--out` are kept, and none is written twice.

    python scale/sweep_cells_file.py --export X --sweep public/runs/cpu/sweep.json --arms pretrained,scratch \
      --out NEWRUN/sweep-cells.jsonl
"""
from __future__ import annotations

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_reader import Export, ExportError  # noqa: E402
from sweep_run import SweepCells, sweep_identity  # noqa: E402


def recorded_cells(sweep_path: str, plan: dict, identity: dict, arms: list[str]) -> list[dict]:
    """The `arms` cells of the sweep.json at `sweep_path`, after checking it is `plan`'s sweep of `identity`'s setup."""
    with open(sweep_path, encoding="utf-8") as f:
        sweep = json.load(f)
    for key in ("steps", "seeds"):
        if sweep.get(key) != plan.get(key):
            raise ExportError(f"{sweep_path}: its {key} is {sweep.get(key)}, the export's sweep has {plan.get(key)}")
    if plan.get("protocol") and sweep.get("protocol") != plan["protocol"]:
        raise ExportError(f"{sweep_path}: its protocol {sweep.get('protocol')} is not the export's {plan['protocol']}")
    report_path = os.path.join(os.path.dirname(sweep_path), "report.json")
    if os.path.exists(report_path):
        with open(report_path, encoding="utf-8") as f:
            report = json.load(f)
        config = report.get("config") or {}
        differ = sorted(k for k, v in identity["config"].items() if k in config and config[k] != v)
        if differ:
            raise ExportError(f"{report_path}: the run had another {', '.join(differ)} than the export")
        versions = (report.get("meta") or {}).get("versions") or {}
        for lib in ("torch", "transformers"):
            if versions.get(lib) != identity["engine"].get(lib):
                raise ExportError(f"{report_path}: made with {lib} {versions.get(lib)}, this machine has {identity['engine'].get(lib)}")
    missing = [a for a in arms if not any(c["arm"] == a for c in sweep["cells"])]
    if missing:
        raise ExportError(f"{sweep_path}: no cells of {', '.join(missing)}")
    return [c for c in sweep["cells"] if c["arm"] in arms]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--export", required=True, help="an export of the new run's setup (with its --lr-sweep)")
    p.add_argument("--sweep", required=True, help="the recorded run's sweep.json (report.json beside it is checked too)")
    p.add_argument("--arms", required=True, help="the arms whose cells to take, comma-separated")
    p.add_argument("--out", required=True, help="the new run's sweep-cells.jsonl (created, or added to)")
    a = p.parse_args(argv)
    try:
        import torch
        from transformers import __version__ as transformers_version

        ex = Export(a.export, verify=False)
        plan = ex.experiment.get("sweep")
        if not plan:
            raise ExportError(f"{a.export}: its experiment has no LR sweep; export it with the new run's --lr-sweep")
        identity = sweep_identity(ex, plan, {"torch": torch.__version__, "transformers": transformers_version})
        cells = recorded_cells(a.sweep, plan, identity, [s for s in a.arms.split(",") if s])
        os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
        done = SweepCells(a.out, identity, True)
        new = [c for c in cells if done.get(c["arm"], float(c["lr"]), int(c["seed"])) is None]
        for c in new:
            done.add({k: c[k] for k in ("arm", "lr", "seed", "valLoss", "imageLoss") if k in c})
    except (ExportError, OSError, KeyError, ValueError) as e:
        print(f"sweep_cells_file.py: {e}", file=sys.stderr)
        return 1
    print(f"sweep_cells_file.py: {len(new)} cell(s) of {a.arms} from {a.sweep} -> {a.out} ({len(cells) - len(new)} already there)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
