"""Pre-train the GPT of a Tabula Rasa LM checkpoint with PyTorch and Hugging Face `transformers`.

Called by `npm run pretrain -- --engine torch` (src/cli/pretrain.ts), which trains the tokenizer with the project's
own BPE trainer, encodes the corpora and writes WORK/job.json:

    {"config": {GPT2Config fields}, "seed": S, "steps": N, "batch": B, "lr": LR, "warmup": W, "min_lr_ratio": R,
     "weight_decay": WD, "beta2": B2, "eval_every": E, "threads": 1,
     "train": [{"id": ..., "file": "train-ID.bin", "weight": share}, ...],   # int32 little-endian token ids
     "val":   [{"id": ..., "file": "val-ID.bin"}, ...],                      # the last 1% of each training source
     "heldout": [{"id": ..., "file": "heldout-ID.bin"}, ...]}                # never trained on, never used to choose

    python scale/pretrain.py --job WORK/job.json --out DIR

Trains `GPT2LMHeadModel` on windows of `n_positions` tokens: each row of a batch picks a source with probability
`weight`, then a uniform start in it. AdamW with no decay on biases, LayerNorms and embeddings (as src/core/nn/optim.ts),
linear warmup then cosine to `min_lr_ratio` of the peak, global-norm clipping at 1. Writes DIR/model.safetensors and
DIR/config.json (`save_pretrained`, the GPT-2 layout src/core/checkpoint/gpt2.ts reads) and WORK/result.json: the
held-out mean NLL by sliding windows (stride half the context; the first window scores all its predictions, each
later one only its last `stride`, so every token after the first is scored once with up to T-1 tokens of context,
as the Hugging Face perplexity guide does), the NLL of the first window of each held-out text alone (for the TS
parity check), the validation curve, and the weight scale per matrix kind (mean |w| over the init std).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
from transformers import GPT2Config, GPT2LMHeadModel
from transformers.utils import logging as hf_logging


VAL_WINDOWS = 32  # validation windows per training source: the curve's cost stays small beside training


def fail(msg: str) -> None:
    print(f"pretrain.py: {msg}", file=sys.stderr)
    sys.exit(1)


def load_ids(work: str, name: str) -> torch.Tensor:
    path = os.path.join(work, name)
    try:
        return torch.from_numpy(np.fromfile(path, dtype="<i4").astype(np.int64))
    except OSError as e:
        fail(f"{path}: cannot be read ({e.strerror}); run it through npm run pretrain -- --engine torch")
        raise


def lr_at(step: int, peak: float, warmup: int, total: int, min_ratio: float) -> float:
    """Linear warmup, then cosine from the peak to min_ratio of it (optim.ts lrAt, cosine)."""
    if warmup > 0 and step < warmup:
        return peak * (step + 1) / warmup
    progress = min(1.0, max(0.0, (step - warmup) / max(1, total - warmup)))
    return peak * (min_ratio + 0.5 * (1 - min_ratio) * (1 + math.cos(math.pi * progress)))


@torch.no_grad()
def sliding_nll(model: GPT2LMHeadModel, ids: torch.Tensor, T: int, batch: int = 32) -> float:
    """Mean next-token NLL (nats) of a stream by windows of T with stride T//2; every token after the first once."""
    stride = T // 2
    n = ids.numel()
    starts = [0] if n <= T else list(range(0, n - T + 1, stride))
    if n > T and starts[-1] + T < n:
        starts.append(n - T)
    total, count, scored_to = 0.0, 0, 1  # tokens [1, scored_to) already scored
    for i in range(0, len(starts), batch):
        chunk = starts[i : i + batch]
        x = torch.stack([ids[s : s + T] for s in chunk])
        logits = model(input_ids=x).logits.float()
        logp = torch.log_softmax(logits[:, :-1], dim=-1)
        nll = -logp.gather(-1, x[:, 1:, None])[..., 0]  # [rows, T-1]: prediction j scores token s+j+1
        for r, s in enumerate(chunk):
            first = max(scored_to, s + 1)  # first token not yet scored
            last = s + x.shape[1]  # one past the last token of this window
            if first < last:
                total += nll[r, first - s - 1 : last - s - 1].double().sum().item()
                count += last - first
                scored_to = last
    assert count == n - 1, (count, n)
    return total / count


@torch.no_grad()
def window_nll(model: GPT2LMHeadModel, ids: torch.Tensor) -> float:
    logits = model(input_ids=ids[None, :]).logits.float()
    return -torch.log_softmax(logits[0, :-1], -1).gather(-1, ids[1:, None]).double().mean().item()


def weight_scale(model: GPT2LMHeadModel, cfg: GPT2Config) -> dict[str, float]:
    """Mean |w| over the init std, per matrix kind (GPT-2 init: std initializer_range, c_proj over sqrt(2 n_layer))."""
    std = cfg.initializer_range
    kinds: dict[str, list[float]] = {}
    for name, p in model.named_parameters():
        if p.dim() != 2:
            continue
        kind = name.split(".", 3)[-1].replace(".weight", "") if ".h." in name else name.split(".")[-2]
        s = std / math.sqrt(2 * cfg.n_layer) if name.endswith("c_proj.weight") else std
        kinds.setdefault(kind, []).append(p.abs().mean().item() / s)
    return {k: round(sum(v) / len(v), 4) for k, v in sorted(kinds.items())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--job", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    try:
        with open(a.job) as f:
            job = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        fail(f"{a.job}: {e}")
    work = os.path.dirname(os.path.abspath(a.job))
    torch.set_num_threads(int(job.get("threads", 1)))
    torch.manual_seed(job["seed"])
    hf_logging.set_verbosity_error()
    cfg = GPT2Config(**job["config"])
    model = GPT2LMHeadModel(cfg)
    model.train()
    T, B, steps = cfg.n_positions, job["batch"], job["steps"]
    train = [load_ids(work, s["file"]) for s in job["train"]]
    weights = torch.tensor([s["weight"] for s in job["train"]], dtype=torch.float64)
    val = [load_ids(work, s["file"]) for s in job["val"]]
    heldout = {s["id"]: load_ids(work, s["file"]) for s in job["heldout"]}
    gen = torch.Generator().manual_seed(job["seed"])

    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (decay if p.dim() == 2 and "wte" not in name and "wpe" not in name else no_decay).append(p)
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": job["weight_decay"]}, {"params": no_decay, "weight_decay": 0.0}], lr=job["lr"], betas=(0.9, job["beta2"]), eps=1e-8)

    def batch() -> torch.Tensor:
        src = torch.multinomial(weights, B, replacement=True, generator=gen)
        rows = []
        for s in src.tolist():
            start = int(torch.randint(0, train[s].numel() - T + 1, (1,), generator=gen))
            rows.append(train[s][start : start + T])
        return torch.stack(rows)

    val_windows = torch.cat([v[: (v.numel() // T) * T].view(-1, T)[:VAL_WINDOWS] for v in val])  # at most VAL_WINDOWS per source

    @torch.no_grad()
    def val_loss() -> float:
        model.eval()
        tot = sum(model(input_ids=val_windows[i : i + 64], labels=val_windows[i : i + 64]).loss.item() * len(val_windows[i : i + 64]) for i in range(0, len(val_windows), 64))
        model.train()
        return tot / len(val_windows)

    curve = []
    t0 = time.time()
    run_loss = None
    for step in range(steps):
        for g in opt.param_groups:
            g["lr"] = lr_at(step, job["lr"], job["warmup"], steps, job["min_lr_ratio"])
        x = batch()
        loss = model(input_ids=x, labels=x).loss
        loss.backward()
        gn = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        run_loss = loss.item() if run_loss is None else 0.98 * run_loss + 0.02 * loss.item()
        if (step + 1) % job["eval_every"] == 0 or step + 1 == steps:
            v = val_loss()
            el = time.time() - t0
            curve.append({"step": step + 1, "tokens": (step + 1) * B * T, "train_loss": round(run_loss, 4), "val_loss": round(v, 4), "seconds": round(el, 1)})
            print(f"  step {step + 1}/{steps}: train loss {run_loss:.3f} (smoothed), val loss {v:.3f}, grad norm {gn:.2f}, lr {g['lr']:.2e}, {(step + 1) * B * T / el:.0f} tokens/s, {el / 60:.1f} min", flush=True)
    seconds = time.time() - t0

    model.eval()
    os.makedirs(a.out, exist_ok=True)
    model.save_pretrained(a.out, safe_serialization=True)
    result = {
        "seconds": round(seconds, 1),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "curve": curve,
        "weight_scale": weight_scale(model, cfg),
        "heldout": {k: {"tokens": int(v.numel()), "lm_nll": sliding_nll(model, v, T), "first_window_nll": window_nll(model, v[:T])} for k, v in heldout.items()},
    }
    with open(os.path.join(work, "result.json"), "w") as f:
        json.dump(result, f, indent=2)
    print(f"pretrain.py: trained {steps} steps in {seconds / 60:.1f} min; wrote {a.out}", flush=True)


if __name__ == "__main__":
    main()
