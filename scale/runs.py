"""A recorded run in pandas, for notebooks: the folder `npm run replicate`, the page's export or scale/train.py writes
(metrics.csv, report.json, checkpoints/), read into DataFrames, and its checkpoints' samples decoded to pixels.

    import sys; sys.path.insert(0, "scale")
    from runs import read_run, curves, verdicts, read_config, sample_images
    df = read_run("runs/smoke")                 # one row per value: arm, seed, step, tokens, metric, value, wall_time
    curves(df, "val/image_loss")                # step x arm, the mean over seeds
    verdicts("runs/smoke")                      # the report's three effects: verdict, mean difference, 95% CI, seeds
    pixels, codes = sample_images("runs/smoke/checkpoints/pretrained-s0", "public/models/vq-twemoji32",
                                  ["grinning face"], caption_budget=read_config("runs/smoke")["captionBudget"])

metrics.csv's wall_time (seconds since the epoch) becomes a UTC timestamp; an older file without it reads with
wall_time NaT. Requires pandas (and torch + transformers for sample_images).
"""
from __future__ import annotations

import json
import os

import pandas as pd

COLUMNS = ["arm", "seed", "step", "tokens", "metric", "value"]


def read_run(run: str) -> pd.DataFrame:
    """RUN/metrics.csv (or a metrics.csv path) as a DataFrame; refuses a file that is not this project's, naming it."""
    path = os.path.join(run, "metrics.csv") if os.path.isdir(run) else run
    df = pd.read_csv(path, dtype={"arm": str, "metric": str})
    if list(df.columns) not in (COLUMNS, COLUMNS + ["wall_time"]):
        raise ValueError(f"{path}: columns are {','.join(df.columns)}, expected {','.join(COLUMNS)}[,wall_time] (a metrics.csv of npm run replicate, the page or scale/train.py)")
    df["wall_time"] = pd.to_datetime(df["wall_time"], unit="s", utc=True) if "wall_time" in df else pd.NaT
    return df


def curves(df: pd.DataFrame, metric: str) -> pd.DataFrame:
    """One metric as a table: rows = steps, columns = arms, values = the mean over seeds."""
    sel = df[df["metric"] == metric]
    if sel.empty:
        raise ValueError(f"no values of {metric!r}; the run has {', '.join(sorted(df['metric'].unique()))}")
    return sel.pivot_table(index="step", columns="arm", values="value", aggfunc="mean")


def verdicts(run: str) -> pd.DataFrame:
    """report.json's effects (image_loss, caption_gap, forgetting): verdict, mean difference, its 95% CI and seeds."""
    path = os.path.join(run, "report.json")
    with open(path, encoding="utf-8") as f:
        report = json.load(f)
    rows = []
    for name, e in report["effects"].items():
        d = e["diff"]
        lo, hi = d.get("ci95") or (None, None)
        rows.append({"effect": name, "verdict": e["verdict"], "mean": d["mean"], "ci95_low": lo, "ci95_high": hi, "seeds": d["n"], "what": e["what"]})
    return pd.DataFrame(rows).set_index("effect")


def read_config(run: str) -> dict:
    """The run's configuration (report.json's config: arms, seeds, captionBudget, …)."""
    with open(os.path.join(run, "report.json"), encoding="utf-8") as f:
        cfg = json.load(f).get("config")
    if not cfg:
        raise ValueError(f"{run}/report.json has no config (rebuilt from metrics.csv alone); pass the caption budget yourself")
    return cfg


def sample_images(checkpoint: str, vq: str, captions: list[str], caption_budget: int, temperature: float = 1.0, seed: int = 0):
    """Captions -> sampled image codes from a captioned arm's checkpoint (transformers) -> (pixels [B,S,S,3] in [0,1]
    by vq_decoder, codes [B][g*g]).

    Each prompt is `<|bos|> caption <|pad|>… <|boi|>`, the caption's ids cut or padded to `caption_budget` (the run's
    config.captionBudget), as src/core/data/sequences.ts lays sequences out; then the image's codes are sampled one by
    one from the image ids' logits alone (other ids masked out), at `temperature`, seeded.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from vq_decoder import VQDecoder

    with open(os.path.join(checkpoint, "tabula.json"), encoding="utf-8") as f:
        tabula = json.load(f)
    img = tabula["imageTokens"]
    special = tabula["specialTokens"]
    tok = AutoTokenizer.from_pretrained(checkpoint)
    model = AutoModelForCausalLM.from_pretrained(checkpoint).eval()
    dec = VQDecoder.load(vq)
    n_codes = dec.grid * dec.grid
    budget = caption_budget
    if budget + n_codes + 2 > model.config.n_positions:
        raise ValueError(f"caption budget {budget} + {n_codes} codes + bos/boi exceed the checkpoint's context {model.config.n_positions}")
    g = torch.Generator().manual_seed(seed)
    out = []
    for caption in captions:
        ids = tok(caption)["input_ids"][:budget]
        ids = [special["<|bos|>"]] + ids + [special["<|pad|>"]] * (budget - len(ids)) + [special["<|boi|>"]]
        x = torch.tensor([ids])
        codes = []
        with torch.no_grad():
            for _ in range(n_codes):
                logits = model(x).logits[0, -1, img["offset"]:img["offset"] + img["count"]] / temperature
                k = int(torch.multinomial(torch.softmax(logits, -1), 1, generator=g))
                codes.append(k)
                x = torch.cat([x, torch.tensor([[img["offset"] + k]])], dim=1)
        out.append(codes)
    return dec.decode(torch.tensor(out)), out
