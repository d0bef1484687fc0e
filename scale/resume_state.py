"""Resumable run state in the layout `npm run replicate` writes (src/core/experiment/resume.ts), so a run trained by
scale/train.py continues with `train.py --resume` or with `npm run replicate -- --resume`, and the CLI can finish it
(samples, quality figure, analysis): beside the GPT-2-layout weights, `optimizer.safetensors` holds AdamW's moments as
tensors `m.<param>` and `v.<param>` (the GPT-2 names, Conv1D [in, out] shapes; zeros for a frozen arm's fixed
weights, as optim.ts keeps none for them and restoreRun wants every name) with metadata `t` (updates so far) and
`step`, and `run.json` holds {arm, seed, step, tokens, stopped}. PyTorch's AdamW keeps the same moments (exp_avg,
exp_avg_sq) and step count, so the state moves between the engines unchanged.
"""
from __future__ import annotations

import json
import os
import shutil

import torch
from safetensors.torch import load_file, save_file

OPT_FILE = "optimizer.safetensors"
RUN_FILE = "run.json"


def save_state(d: str, model: torch.nn.Module, opt: torch.optim.Optimizer, arm: str, seed: int, step: int, tokens: int, stopped: str | None) -> None:
    """Write `d`/optimizer.safetensors and `d`/run.json for the model's weights already saved in `d` at `step`."""
    tensors, t = {}, 0
    for name, p in model.named_parameters():
        st = opt.state.get(p, {})
        m, v = st.get("exp_avg"), st.get("exp_avg_sq")
        if "step" in st:
            t = int(float(st["step"]))
        tensors[f"m.{name}"] = (m if m is not None else torch.zeros_like(p)).detach().float().cpu().contiguous()
        tensors[f"v.{name}"] = (v if v is not None else torch.zeros_like(p)).detach().float().cpu().contiguous()
    save_file(tensors, os.path.join(d, OPT_FILE), metadata={"t": str(t), "step": str(step)})
    with open(os.path.join(d, RUN_FILE), "w", encoding="utf-8") as f:
        f.write(json.dumps({"arm": arm, "seed": seed, "step": step, "tokens": tokens, "stopped": stopped}) + "\n")


def complete_dir(d: str) -> str | None:
    """The checkpoint folder a save left whole: `d`, else `d`.old (run-folder.ts completeCheckpointDir); None when neither."""
    for c in (d, d + ".old"):
        if os.path.isfile(os.path.join(c, RUN_FILE)) and os.path.isfile(os.path.join(c, OPT_FILE)):
            return c
    return None


def replace_dir(d: str, write) -> None:
    """Write a checkpoint into `d`.partial with `write(path)`, then swap it for `d` (common.ts replaceDirAtomic)."""
    partial, old = d + ".partial", d + ".old"
    shutil.rmtree(partial, ignore_errors=True)
    os.makedirs(partial)
    write(partial)
    if os.path.exists(d):
        shutil.rmtree(old, ignore_errors=True)
        os.rename(d, old)
    os.rename(partial, d)
    shutil.rmtree(old, ignore_errors=True)


def read_info(d: str) -> dict:
    """run.json of a checkpoint folder; ValueError naming the file when a field is missing or wrong."""
    path = os.path.join(d, RUN_FILE)
    with open(path, encoding="utf-8") as f:
        info = json.load(f)
    for key in ("arm", "seed", "step", "tokens"):
        if key not in info:
            raise ValueError(f"{path}: field {key!r} is missing; delete this run's checkpoint folder to redo the run from step 0")
    return info


def mark_stopped(d: str, why: str) -> None:
    """Record in `d`/run.json that the run stopped (NaN/Inf after this checkpoint): resuming leaves it where it is."""
    info = read_info(d)
    info["stopped"] = why
    with open(os.path.join(d, RUN_FILE), "w", encoding="utf-8") as f:
        f.write(json.dumps(info) + "\n")


def load_state(d: str, model: torch.nn.Module, opt: torch.optim.Optimizer) -> dict:
    """Put a checkpoint's weights and AdamW moments into a fresh model and optimizer; returns its run.json."""
    info = read_info(d)
    weights = load_file(os.path.join(d, "model.safetensors"))
    own = dict(model.named_parameters())
    with torch.no_grad():
        for name, p in own.items():
            src = weights.get(name) if name in weights else weights.get(name.removeprefix("transformer."))
            if src is None:
                raise ValueError(f"{d}/model.safetensors: tensor {name} is missing; delete this run's checkpoint folder to redo the run")
            p.copy_(src.to(p.dtype))
    moments = load_file(os.path.join(d, OPT_FILE))
    with open(os.path.join(d, OPT_FILE), "rb") as f:  # the metadata's t: the header's __metadata__
        n = int.from_bytes(f.read(8), "little")
        t = int(json.loads(f.read(n)).get("__metadata__", {}).get("t", info["step"]))
    for group in opt.param_groups:
        for p in group["params"]:
            name = next(k for k, q in own.items() if q is p)
            opt.state[p] = {"step": torch.tensor(float(t)), "exp_avg": moments[f"m.{name}"].to(p.device).clone(), "exp_avg_sq": moments[f"v.{name}"].to(p.device).clone()}
    return info
