"""The torch engine's LR sweep (replicate --lr-sweep through scale/train.py), and the log that makes it resumable.

Every finished sweep run — one cell: arm, peak rate, seed, its final held-out loss — is appended to
OUT/sweep-cells.jsonl (flushed and synced) as soon as it ends. A sweep started again in the same folder (after a kill,
with `replicate --resume`, or in a later session with the file copied back) reads its cells back instead of training
them again, so a sweep of many hours can be split; the protocol is deterministic, so the same rates come out in the
same order. Cells made in another folder by the same setup (e.g. one process per arm: `--arms pretrained` here,
`--arms scratch` there) are taken too once their lines are appended here (`tail -n +2 B/sweep-cells.jsonl >>
A/sweep-cells.jsonl`): the file's first line names the sweep it belongs to, and that name leaves out which arms and
seeds a process runs. A file of another sweep is refused, naming what differs.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
from typing import Callable

import lr_sweep
from export_reader import Export, ExportError

# What the report shows of a sweep (sweep.ts SweepResult; its cells feed the neighbouring-rate table).
SWEEP_KEYS = ("lrs", "steps", "seeds", "schedule", "cells", "table", "best", "protocol", "unresolved", "selection")

CELLS_FILE = "sweep-cells.jsonl"
CELLS_FORMAT = "tabula-rasa-sweep-cells"

# Configuration fields that choose which runs a process makes, not what any one run computes.
_NOT_IDENTITY = {"seeds", "firstSeed", "arms", "lr", "lrByArm"}


# The files of a model folder that a run's numbers depend on (the export's meta lists every file's SHA-256). Left out:
# the model card (README.md) and what training the model left behind (metrics.jsonl, usage.json, reconstructions.png,
# generation_config.json), so documenting a model does not orphan a sweep's finished runs.
_LM_FILES = ("config.json", "model.safetensors", "tokenizer.json", "tabula.json")
_VQ_FILES = ("config.json", "model.safetensors")
TABULA_LESS_PROVENANCE = "tabula.json less provenance"


def tabula_digest(text: str) -> str:
    """SHA-256 of a tabula.json less its `provenance` (how the model was made and measured, which changes no number
    a run computes; the special tokens' ids stay in), over its canonical JSON (sorted keys)."""
    d = json.loads(text)
    d.pop("provenance", None)
    return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()


def model_identity(entry: dict | None, keep: tuple[str, ...]) -> dict | None:
    """A model folder's part of a sweep's identity: the SHA-256 of each of `keep` as the export recorded it, but
    tabula.json as tabula_digest of the file read from the folder (`entry["path"]`, relative to the working
    directory). When that file cannot be read, its whole-file hash stays (a sweep with another file is refused)."""
    if not entry:
        return None
    files = entry.get("files") or {}
    out = {k: files[k] for k in keep if k in files}
    if "tabula.json" in out and entry.get("path"):
        try:
            with open(os.path.join(entry["path"], "tabula.json"), encoding="utf-8") as f:
                out[TABULA_LESS_PROVENANCE] = tabula_digest(f.read())
            del out["tabula.json"]
        except (OSError, ValueError):
            pass
    return out


def sweep_identity(ex: Export, plan: dict, versions: dict) -> dict:
    """
    What a sweep cell's number depends on, as a dict: the configuration less the fields that only pick runs, the
    dataset, LM and tokenizer files that change numbers (SHA-256 as the export records them; model_identity), the selection split and its files' SHA-256,
    each run's steps, warm-up and schedule, and the engine's versions (`versions`: torch, transformers).
    """
    m = ex.meta
    files = m.get("files", {})
    split = m.get("sweep") or {}

    def hashes(v: object) -> list[str]:
        if isinstance(v, str):
            return [f"{v}:{files[v]}"] if v in files else []
        if isinstance(v, dict):
            return [h for x in v.values() for h in hashes(x)]
        if isinstance(v, list):
            return [h for x in v for h in hashes(x)]
        return []

    return {
        "config": {k: v for k, v in sorted(ex.config.items()) if k not in _NOT_IDENTITY},
        "dataset": m.get("dataset"),
        "lm": model_identity(m.get("lm"), _LM_FILES),
        "vq": model_identity(m.get("vq"), _VQ_FILES),
        "selection": {"split": split, "files": sorted(hashes(split))},
        "run": {"steps": plan["steps"], "warmupSteps": plan["warmupSteps"], "schedule": ex.config.get("schedule")},
        "engine": {"name": "torch", **versions},
    }


def _key(arm: str, lr: float, seed: int) -> tuple[str, str, int]:
    return (arm, f"{lr:.6g}", seed)


class SweepCells:
    """OUT/sweep-cells.jsonl: the finished runs of one sweep (see the module's comment). Raises ExportError when the
    file belongs to another sweep or a line other than the last is damaged."""

    def __init__(self, path: str, identity: dict, write: bool, log: Callable[[str], None] = lambda s: None):
        self.path, self.write, self.cells = path, write, {}
        digest = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()
        header = {"format": CELLS_FORMAT, "version": 1, "sweep": digest, "identity": identity}
        if not os.path.exists(path):
            if write:
                with open(path, "w", encoding="utf-8") as f:
                    f.write(json.dumps(header) + "\n")
            return
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
        try:
            first = json.loads(lines[0])
        except json.JSONDecodeError:
            raise ExportError(f"{path}: its first line is not a sweep-cells header; delete the file to sweep afresh") from None
        if first.get("format") != CELLS_FORMAT:
            raise ExportError(f"{path}: not a {CELLS_FORMAT} file; delete it to sweep afresh")
        if first.get("sweep") != digest:
            theirs = first.get("identity", {})
            differ = sorted(k for k in set(identity) | set(theirs) if identity.get(k) != theirs.get(k))
            raise ExportError(f"{path}: the finished runs of another sweep (differs in {', '.join(differ) or 'its header'}); delete the file or pass another --out")
        for i, s in enumerate(lines[1:], start=2):
            if not s.strip():
                continue
            try:
                c = json.loads(s)
                self.cells[_key(c["arm"], float(c["lr"]), int(c["seed"]))] = c
            except (json.JSONDecodeError, KeyError, TypeError, ValueError):
                if i == len(lines):  # the last line, with no newline: cut short by a kill while it was written
                    log(f"train.py: {path} line {i}: cut short (a kill while writing it); that run is trained again")
                    continue
                raise ExportError(f"{path} line {i}: not a sweep cell ({s[:60]!r}); delete the line or the file") from None
        if lines[-1].strip():  # a last line cut short: rewrite the file without it so appends start on a new line
            if write:
                with open(path, "w", encoding="utf-8") as f:
                    f.write(json.dumps(header) + "\n" + "".join(json.dumps(c) + "\n" for c in self.cells.values()))
        if self.cells:
            log(f"train.py: {len(self.cells)} finished sweep run(s) read back from {path}; they are not trained again")

    def get(self, arm: str, lr: float, seed: int) -> dict | None:
        return self.cells.get(_key(arm, lr, seed))

    def add(self, cell: dict) -> None:
        self.cells[_key(cell["arm"], cell["lr"], cell["seed"])] = cell
        if self.write:
            with open(self.path, "a", encoding="utf-8") as f:
                f.write(json.dumps(cell) + "\n")
                f.flush()
                os.fsync(f.fileno())


def sweep(tr, plan: dict, versions: dict) -> dict:
    """
    replicate --lr-sweep (lr_sweep.py): a fixed grid, or the fair protocol, with each run scored once at its end. With
    the export's sweep split (export-sweep.ts) the runs train on the training split less the selection concepts and
    are scored on the selection images, as replicate sweeps; an export without one scores on its evaluation images.
    `tr` is train.py's Trainer; each finished run goes to OUT/sweep-cells.jsonl and is read back on a later start.
    """
    view = tr.ex.sweep_view()
    st = type(tr)(view or tr.ex, tr.out, tr.acc, tr.log_every, None) if view else tr
    if view:
        sel = view.meta["sweep"]["selection"]
        tr.acc.print(f"train.py: LR sweep on the selection split: {sel['images']} images of whole training concepts set apart, the sweep's runs training on the other {sel['trainImages']} (the evaluation images are not used)")
    done = SweepCells(os.path.join(tr.out, CELLS_FILE), sweep_identity(tr.ex, plan, versions), tr.acc.is_main_process, tr.acc.print)

    def train_at(lr: float, arms: list[str]) -> list[dict]:
        cells = []
        for seed in range(plan["seeds"]):
            for name in arms:
                arm = tr.ex.arm(name)
                kept = done.get(arm.name, lr, seed)
                if kept is not None:
                    cells.append({**kept, "lr": lr})
                    continue
                v = st.run(arm, seed, lr, plan["steps"], plan["warmupSteps"], plan["steps"], False, 0)
                image = st.last_eval.get((arm.name, seed), {}).get("image", math.inf) if math.isfinite(v) else math.inf
                cell = {"arm": arm.name, "lr": lr, "seed": seed, "valLoss": v, "imageLoss": image}
                done.add(cell)
                cells.append(cell)
        return cells

    arms = [a.name for a in tr.ex.arms]
    try:
        if plan.get("protocol"):
            result = lr_sweep.fair_sweep(plan["protocol"], train_at, arms, tr.ex.config["schedule"], tr.acc.print)
        else:
            result = lr_sweep.grid_sweep(plan["lrs"], plan["steps"], plan["seeds"], tr.ex.config["schedule"], train_at, arms, tr.acc.print)
    except lr_sweep.SweepError as e:
        raise ExportError(str(e)) from None
    return {**result, "selection": view.meta["sweep"]["selection"]} if view else result
