"""The VQ-VAE image tokenizer's decoder in PyTorch: image codes -> pixels, as src/core/nn/vqvae.ts decodes them, so a
notebook or a cluster run (scale/train.py) can turn sampled codes back into pictures.

    dec = VQDecoder.load("public/models/vq-twemoji32")       # config.json + model.safetensors (format tabula-vq)
    pixels = dec.decode(torch.tensor(codes).view(B, 8, 8))   # [B, 32, 32, 3] in [0, 1]

The port follows vqvae.ts decodeVectors exactly: codebook lookup -> 3x3 conv `decoder.in` -> residual blocks
(x + conv1x1(relu(conv3x3(relu(x))))) -> relu -> (3x3 conv, depth-to-space by 2, relu) twice -> 3x3 conv `decoder.out`
+ 0.5, clipped to [0, 1]. Layouts are the TypeScript ones (conv.ts): tensors NHWC, 3x3 filters stored flattened HWIO
[9*Cin, Cout] ('same' padding = 1), 1x1 filters [Cin, Cout], and depth-to-space with channels ordered (dy, dx, c) —
not torch.nn.functional.pixel_shuffle's (c, dy, dx). Checked against the TypeScript decoder in
tests/unit/notebook-kit.test.ts (same pixels within float32 noise).
"""
from __future__ import annotations

import json
import os

import torch
import torch.nn.functional as F
from safetensors.torch import load_file


def conv3x3(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """x [B,H,W,Cin] NHWC, w [9*Cin, Cout] (HWIO flattened), b [Cout] -> [B,H,W,Cout], stride 1, 'same'."""
    cin, cout = x.shape[3], w.shape[1]
    weight = w.reshape(3, 3, cin, cout).permute(3, 2, 0, 1)  # HWIO -> OIHW
    return F.conv2d(x.permute(0, 3, 1, 2), weight, b, padding=1).permute(0, 2, 3, 1)


def conv1x1(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """x [B,H,W,Cin], w [Cin, Cout], b [Cout] -> [B,H,W,Cout]."""
    return x @ w + b


def depth_to_space(x: torch.Tensor) -> torch.Tensor:
    """[B,h,w,4C] -> [B,2h,2w,C], channels ordered (dy, dx, c) as conv.ts pixelShuffle."""
    B, h, w, c4 = x.shape
    c = c4 // 4
    return x.reshape(B, h, w, 2, 2, c).permute(0, 1, 3, 2, 4, 5).reshape(B, 2 * h, 2 * w, c)


class VQDecoder:
    """The decoder half of a tabula-vq checkpoint (the codebook and the decoder.* tensors)."""

    def __init__(self, config: dict, tensors: dict[str, torch.Tensor]):
        self.config = config
        need = ["quantizer.codebook", "decoder.in.weight", "decoder.up1.weight", "decoder.up2.weight", "decoder.out.weight"]
        need += [f"decoder.res.{i}.conv{k}.weight" for i in range(config["resBlocks"]) for k in (1, 2)]
        missing = [n for n in need if n not in tensors]
        if missing:
            raise ValueError(f"the VQ checkpoint lacks {', '.join(missing)}; it should be written by npm run train-vq")
        self.t = {k: v.float() for k, v in tensors.items()}

    @classmethod
    def load(cls, path: str) -> "VQDecoder":
        """A VQ tokenizer directory: config.json {format: "tabula-vq", model: {...}} and model.safetensors."""
        with open(os.path.join(path, "config.json"), encoding="utf-8") as f:
            cfg = json.load(f)
        if cfg.get("format") != "tabula-vq":
            raise ValueError(f"{path}/config.json: format is {cfg.get('format')!r}, expected 'tabula-vq' (a VQ tokenizer of npm run train-vq)")
        return cls(cfg["model"], load_file(os.path.join(path, "model.safetensors")))

    @property
    def grid(self) -> int:
        return self.config["imageSize"] // 4

    def _c3(self, x: torch.Tensor, name: str) -> torch.Tensor:
        return conv3x3(x, self.t[name + ".weight"], self.t[name + ".bias"])

    @torch.no_grad()
    def decode_vectors(self, zq: torch.Tensor) -> torch.Tensor:
        """Code vectors [B,g,g,D] -> images [B,S,S,3], unclipped."""
        x = self._c3(zq, "decoder.in")
        for i in range(self.config["resBlocks"]):
            p = f"decoder.res.{i}"
            h = self._c3(torch.relu(x), p + ".conv1")
            x = x + conv1x1(torch.relu(h), self.t[p + ".conv2.weight"], self.t[p + ".conv2.bias"])
        h = torch.relu(x)
        h = torch.relu(depth_to_space(self._c3(h, "decoder.up1")))
        h = torch.relu(depth_to_space(self._c3(h, "decoder.up2")))
        return self._c3(h, "decoder.out") + 0.5

    @torch.no_grad()
    def decode(self, codes: torch.Tensor) -> torch.Tensor:
        """Codes [B,g,g] (or [B, g*g], row-major) in [0, codebookSize) -> images [B,S,S,3] in [0, 1]."""
        K, g = self.config["codebookSize"], self.grid
        codes = torch.as_tensor(codes, dtype=torch.long).reshape(-1, g, g)
        if codes.numel() and (codes.min() < 0 or codes.max() >= K):
            raise ValueError(f"image codes must lie in [0, {K}); got {int(codes.min())} .. {int(codes.max())}")
        zq = self.t["quantizer.codebook"][codes]
        return self.decode_vectors(zq).clamp(0, 1)
