"""Reads an experiment written by `npm run export` (layout: src/core/experiment/export.ts).

Everything is numpy: the sequences and masks as memory maps, the batch order, the English streams, the
configuration (experiment.json), the vocabulary facts (meta.json) and the reference losses (reference.csv).
`Export.batch(arm, seed, step)` gives exactly the ids and masks that the browser's runner trains on at that step
(src/core/experiment/runner.ts `nextBatch`), the image-only and pretrained-mix arms included.
"""
from __future__ import annotations

import copy
import csv
import hashlib
import json
import os
from dataclasses import dataclass

import numpy as np

FORMAT = "tabula-scale-export"
VERSION = 1


class ExportError(Exception):
    """A missing, damaged or unsupported export; the message names the file and the fix."""


@dataclass(frozen=True)
class Arm:
    """One arm of the experiment (src/core/experiment/config.ts ArmSpec) with its peak learning rate."""

    name: str
    init: str
    frozen: bool
    image_only: bool
    mix: float
    lr: float


@dataclass
class Batch:
    """Ids (B, T) int64 and masks (B, T-1) float32 over predictions: entry t concerns ids[:, t+1]."""

    ids: np.ndarray
    text: np.ndarray
    image: np.ndarray
    loss: np.ndarray


def _sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class Export:
    """An export folder, checked: format and version, every file's SHA-256 (with `verify`), shapes and id ranges."""

    def __init__(self, path: str, verify: bool = True):
        self.path = path
        self.meta = self._json("meta.json")
        self.experiment = self._json("experiment.json")
        for what, doc in (("meta.json", self.meta), ("experiment.json", self.experiment)):
            if doc.get("format") != FORMAT or doc.get("version") != VERSION:
                raise ExportError(f"{os.path.join(path, what)}: not a {FORMAT} version {VERSION} file; re-run npm run export")
        if verify:
            for name, want in self.meta.get("files", {}).items():
                full = os.path.join(path, name)
                if not os.path.exists(full):
                    raise ExportError(f"{full}: missing from the export; copy the whole folder")
                if _sha256(full) != want:
                    raise ExportError(f"{full}: SHA-256 differs from meta.json; the copy is damaged, copy it again")
        m = self.meta
        self.config: dict = self.experiment["config"]
        self.vocab_size: int = m["vocabSize"]
        self.text_vocab: int = m["textVocab"]
        self.image_offset: int = m["image"]["offset"]
        self.image_codes: int = m["image"]["count"]
        self.image_tokens: int = m["image"]["tokens"]
        self.special: dict = m["special"]
        self.T: int = m["sequence"]["length"]
        self.caption_budget: int = m["sequence"]["captionBudget"]
        self.first_image: int = m["image"]["firstPosition"]
        bits = m["maskBits"]
        self.bits = (bits["text"], bits["image"], bits["loss"])
        self.train_ids, self.train_mask = self._split(m["train"])
        self.val_ids, self.val_mask = self._split(m["val"])
        b = m["batches"]
        self.order = self._array(b["order"], "<u4", b["shape"])
        if self.order.size and int(self.order.max()) >= self.train_ids.shape[0]:
            raise ExportError(f"{os.path.join(path, b['order'])}: an index beyond the {self.train_ids.shape[0]} training sequences")
        self.mix = self._array(b["mix"]["file"], "<u2", b["mix"]["shape"]) if b.get("mix") else None
        self.english = {k: self._array(m["english"][k]["file"], "<u2", [-1]) for k in ("heldout", "ood")}
        self.arms = [Arm(a["name"], a["init"], bool(a["frozen"]), bool(a["imageOnly"]), float(a["mix"]), float(a["lr"])) for a in self.experiment["arms"]]

    def _json(self, name: str) -> dict:
        full = os.path.join(self.path, name)
        try:
            with open(full, encoding="utf-8") as f:
                return json.load(f)
        except FileNotFoundError:
            raise ExportError(f"{full}: missing; pass the folder written by npm run export -- --out DIR") from None
        except json.JSONDecodeError as e:
            raise ExportError(f"{full}: not valid JSON ({e})") from None

    def _array(self, name: str, dtype: str, shape: list[int]) -> np.ndarray:
        full = os.path.join(self.path, name)
        if not os.path.exists(full):
            raise ExportError(f"{full}: missing from the export")
        a = np.memmap(full, dtype=dtype, mode="r")
        try:
            a = a.reshape(shape)
        except ValueError:
            raise ExportError(f"{full}: {a.size} values do not make the shape {shape} that meta.json gives") from None
        if dtype == "<u2" and a.size and int(a.max()) >= self.vocab_size:
            raise ExportError(f"{full}: id {int(a.max())} outside the vocabulary of {self.vocab_size}")
        return a

    def _split(self, s: dict) -> tuple[np.ndarray, np.ndarray]:
        n = s["sequences"]
        return self._array(s["file"], "<u2", [n, self.T]), self._array(s["mask"], "u1", [n, self.T - 1])

    def sweep_view(self) -> Export | None:
        """
        The LR sweep's split (meta.json `sweep`, src/core/experiment/export-sweep.ts) as an Export: its training
        sequences, the selection images as the held-out ones (every one evaluated) and its own batch order; the
        English streams, arms, initial weights and configuration otherwise the main export's. None without one.
        """
        s = self.meta.get("sweep")
        if not s:
            return None
        v = copy.copy(self)
        v.train_ids, v.train_mask = self._split(s["train"])
        v.val_ids, v.val_mask = self._split(s["val"])
        b = s["batches"]
        v.order = self._array(b["order"], "<u4", b["shape"])
        if v.order.size and int(v.order.max()) >= v.train_ids.shape[0]:
            raise ExportError(f"{os.path.join(self.path, b['order'])}: an index beyond the sweep's {v.train_ids.shape[0]} training sequences")
        v.mix = self._array(b["mix"]["file"], "<u2", b["mix"]["shape"]) if b.get("mix") else None
        v.config = {**self.config, "evalImages": 0}
        return v

    def arm(self, name: str) -> Arm:
        for a in self.arms:
            if a.name == name:
                return a
        raise ExportError(f"arm {name} is not in this export (arms: {', '.join(a.name for a in self.arms)})")

    def _assemble(self, ids: np.ndarray, mask: np.ndarray, image_only: bool) -> Batch:
        """Ids and packed masks → a Batch; image-only drops the caption (ids[0] + ids[1+budget:], masks[budget:])."""
        ids = np.asarray(ids, dtype=np.int64)
        mask = np.asarray(mask, dtype=np.uint8)
        text_bit, image_bit, loss_bit = self.bits
        if image_only:
            ids = np.concatenate([ids[:, :1], ids[:, 1 + self.caption_budget :]], axis=1)
            mask = mask[:, self.caption_budget :] & np.uint8(0xFF ^ text_bit)
        f = lambda bit: ((mask & bit) > 0).astype(np.float32)  # noqa: E731
        return Batch(ids, f(text_bit), f(image_bit), f(loss_bit))

    def batch(self, arm: Arm, seed: int, step: int) -> Batch:
        """The batch `arm` trains on at 1-based `step` of `seed` (the browser runner's nextBatch)."""
        idx = self.order[seed, step - 1]
        b = self._assemble(self.train_ids[idx], self.train_mask[idx], arm.image_only)
        if arm.mix > 0:
            if self.mix is None:
                raise ExportError(f"{self.path}: arm {arm.name} mixes in English but the export has no mix.bin")
            windows = np.asarray(self.mix[seed, step - 1], dtype=np.int64)
            n = windows.shape[0]
            b.ids[-n:] = windows
            b.text[-n:] = 0
            b.image[-n:] = 0
            b.loss[-n:] = 1
        return b

    def val_batch(self, arm: Arm, start: int, end: int) -> Batch:
        """Held-out sequences [start, end) laid out for `arm`."""
        return self._assemble(self.val_ids[start:end], self.val_mask[start:end], arm.image_only)

    def first_image_position(self, arm: Arm) -> int:
        """Index in ids of the first image token for the arm's layout (sequences.ts firstImagePosition)."""
        return 2 if arm.image_only else self.first_image

    def init_dir(self, arm: Arm, seed: int) -> str:
        return os.path.join(self.path, "init", f"{arm.name}-s{seed}")

    def reference(self) -> list[dict]:
        """The browser implementation's step-0 evaluation and step-1 training losses (reference.csv)."""
        with open(os.path.join(self.path, "reference.csv"), encoding="utf-8", newline="") as f:
            return [{**r, "seed": int(r["seed"]), "step": int(r["step"]), "tokens": int(r["tokens"]), "value": float(r["value"])} for r in csv.DictReader(f)]
