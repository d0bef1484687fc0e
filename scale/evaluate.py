"""Held-out evaluation of one arm, the same quantities as src/core/experiment/evals.ts and src/core/nn/eval.ts.

  text / image / loss   mean NLL over the held-out caption, image, and every trained position (val/*);
  leak                  mean -log P(any image id) at image positions; within = image - leak (diag/*);
  by position           mean image NLL at each of the image positions (the 8x8 heatmap);
  by image              mean image NLL of each evaluated validation image, in the split's order (per-image.ts);
  english, english_ood  mean next-token NLL over Persuasion / Moby-Dick, cut into windows of the model's context
                        that overlap by one id, so each id after the first is predicted once (evals.ts englishLoss),
                        over the full softmax and with the softmax restricted to the text ids [0, textVocab).
Work is split across data-parallel processes (every `world`-th batch) and the sums are added with `reduce`.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import torch

from export_reader import Arm, Export

Reduce = Callable[[torch.Tensor], torch.Tensor]


def _nll(model: torch.nn.Module, ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-prediction NLL (B, T-1) and the float32 logits (B, T-1, V) of ids (B, T)."""
    logits = model(input_ids=ids, use_cache=False).logits[:, :-1].float()
    lse = torch.logsumexp(logits, dim=-1)
    picked = logits.gather(-1, ids[:, 1:, None]).squeeze(-1)
    return lse - picked, logits


@torch.no_grad()
def evaluate_arm(model: torch.nn.Module, ex: Export, arm: Arm, device: torch.device, rank: int, world: int, reduce: Reduce, batch: int = 32) -> dict:
    """The held-out figures of `arm` for `model` (nats per token), summed over every process."""
    cfg = ex.config
    n_val = ex.val_ids.shape[0]
    n = min(cfg["evalImages"], n_val) if cfg["evalImages"] > 0 else n_val
    P = ex.image_tokens
    first = ex.first_image_position(arm)
    # sums: text, text count, image, image count, loss, loss count, leak
    sums = torch.zeros(7, dtype=torch.float64, device=device)
    by_pos = torch.zeros(P, dtype=torch.float64, device=device)
    by_image = torch.zeros(n, dtype=torch.float64, device=device)  # each process fills its own batches' rows
    for k, start in enumerate(range(0, n, batch)):
        if k % world != rank:
            continue
        b = ex.val_batch(arm, start, min(n, start + batch))
        ids = torch.from_numpy(b.ids).to(device)
        text, image, loss = (torch.from_numpy(x).to(device) for x in (b.text, b.image, b.loss))
        nll, logits = _nll(model, ids)
        leak = torch.logsumexp(logits, dim=-1) - torch.logsumexp(logits[..., ex.image_offset : ex.image_offset + ex.image_codes], dim=-1)
        image_nll = nll * image
        sums += torch.stack([(nll * text).sum(), text.sum(), image_nll.sum(), image.sum(), (nll * loss).sum(), loss.sum(), (leak * image).sum()]).double()
        by_pos += image_nll[:, first - 1 : first - 1 + P].sum(0).double()
        by_image[start : start + ids.shape[0]] = image_nll.sum(1).double() / image.sum(1).double()
    sums = reduce(sums)
    by_pos = reduce(by_pos)
    by_image = reduce(by_image)
    t, tn, i, iN, l, ln, lk = sums.tolist()
    cut = cfg["englishTokens"]
    english = {k: english_loss(model, v[:cut] if cut > 0 else v, ex.text_vocab, device, rank, world, reduce) for k, v in ex.english.items()}
    return {
        "text": t / tn if tn > 0 else None,
        "image": i / iN,
        "loss": l / ln,
        "leak": lk / iN,
        "by_position": (by_pos / n).tolist(),
        "by_image": by_image.tolist(),
        "english": english["heldout"][0],
        "english_ood": english["ood"][0],
        "english_text_ids": english["heldout"][1],
        "english_ood_text_ids": english["ood"][1],
    }


@torch.no_grad()
def english_loss(model: torch.nn.Module, ids: np.ndarray, text_vocab: int, device: torch.device, rank: int, world: int, reduce: Reduce, batch: int = 32) -> tuple[float, float]:
    """
    Mean next-token NLL of a long id stream in context-sized windows overlapping by one id, over the full softmax and
    over the text ids [0, text_vocab) only (evals.ts englishLoss).
    """
    if len(ids) < 2:
        raise ValueError(f"need at least 2 ids to predict one, got {len(ids)}")
    if int(np.max(ids)) >= text_vocab:
        raise ValueError(f"English id {int(np.max(ids))} is outside the text vocabulary [0, {text_vocab})")
    n_pos = model.config.n_positions
    starts = list(range(0, len(ids) - 1, n_pos - 1))
    full = [s for s in starts if s + n_pos <= len(ids)]
    tail = [s for s in starts if s + n_pos > len(ids)]
    sums = torch.zeros(3, dtype=torch.float64, device=device)
    groups = [full[i : i + batch] for i in range(0, len(full), batch)] + [[s] for s in tail]
    for k, group in enumerate(groups):
        if k % world != rank:
            continue
        x = torch.from_numpy(np.stack([np.asarray(ids[s : s + n_pos], dtype=np.int64) for s in group])).to(device)
        nll, logits = _nll(model, x)
        text = logits[..., :text_vocab]
        nll_text = torch.logsumexp(text, dim=-1) - text.gather(-1, x[:, 1:, None]).squeeze(-1)
        sums += torch.stack([nll.sum().double(), nll_text.sum().double(), torch.tensor(float(nll.numel()), dtype=torch.float64, device=device)])
    full, text_ids, count = reduce(sums).tolist()
    return full / count, text_ids / count


def weight_change(model: torch.nn.Module, initial: dict[str, torch.Tensor]) -> tuple[float, float]:
    """||θ-θ0|| / ||θ0|| over the transformer blocks (body) and over the embeddings and an untied head (runner.ts)."""
    acc = {"body": [0.0, 0.0], "embedding": [0.0, 0.0]}
    with torch.no_grad():
        for name, p in model.named_parameters():
            group = "body" if name.startswith("transformer.h.") else "embedding" if (".wte." in f".{name}" or ".wpe." in f".{name}" or name.startswith("lm_head")) else None
            if group is None:
                continue
            p0 = initial[name]
            acc[group][0] += float(((p.detach().double() - p0.double()) ** 2).sum())
            acc[group][1] += float((p0.double() ** 2).sum())
    return (acc["body"][0] / acc["body"][1]) ** 0.5, (acc["embedding"][0] / acc["embedding"][1]) ** 0.5
