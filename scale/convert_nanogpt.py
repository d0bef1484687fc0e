"""Convert a nanoGPT checkpoint (karpathy/nanoGPT `ckpt.pt`) into the Hugging Face GPT-2 layout the project loads.

    python scale/convert_nanogpt.py ckpt.pt OUT_DIR

nanoGPT saves `{"model": state_dict, "model_args": {n_layer, n_head, n_embd, block_size, bias, vocab_size}, ...}`;
a model trained with `torch.compile` carries the `_orig_mod.` prefix on every name, and its attention and MLP
weights are `nn.Linear` [out, in] where GPT-2's `Conv1D` stores [in, out]. This is the inverse of nanoGPT's own
`GPT.from_pretrained` (model.py), which transposes `attn.c_attn`, `attn.c_proj`, `mlp.c_fc` and `mlp.c_proj` weights:
the prefix is stripped, those four weights are transposed, the causal-mask buffers dropped, the biases of a
`bias=False` model written as zeros (the same function), and `config.json` (exact GELU: nanoGPT uses nn.GELU(),
LayerNorm eps 1e-5, tied embeddings) and `model.safetensors` written. The tokenizer is not in ckpt.pt: copy the
tokenizer.json the model was trained with into OUT_DIR.
"""
from __future__ import annotations

import json
import os
import sys

TRANSPOSED = ("attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight")


def convert(state: dict, args: dict) -> tuple[dict, dict]:
    """A nanoGPT state dict and model_args -> (GPT2LMHeadModel tensors, config.json). Raises ValueError naming what is wrong."""
    import torch

    for k in ("n_layer", "n_head", "n_embd", "block_size", "vocab_size"):
        if k not in args:
            raise ValueError(f"model_args has no {k!r}; is this a nanoGPT ckpt.pt?")
    sd = {(k[len("_orig_mod."):] if k.startswith("_orig_mod.") else k): v for k, v in state.items()}
    c, layers = int(args["n_embd"]), int(args["n_layer"])
    out = {}
    for k, v in sd.items():
        if k.endswith(".attn.bias") and v.dim() == 4:
            continue  # the causal-mask buffer of a model without flash attention
        if k == "lm_head.weight":
            continue  # tied to transformer.wte.weight in nanoGPT
        out[k] = v.t().contiguous() if k.endswith(TRANSPOSED) else v.contiguous()
    shapes = {"ln_1": c, "ln_2": c, "attn.c_attn": 3 * c, "attn.c_proj": c, "mlp.c_fc": 4 * c, "mlp.c_proj": c}
    for i in range(layers):
        for m, n in shapes.items():
            out.setdefault(f"transformer.h.{i}.{m}.bias", torch.zeros(n))  # bias=False is a zero bias
    out.setdefault("transformer.ln_f.bias", torch.zeros(c))
    out = {k: v.float() for k, v in out.items()}
    config = {
        "model_type": "gpt2",
        "architectures": ["GPT2LMHeadModel"],
        "vocab_size": int(args["vocab_size"]),
        "n_positions": int(args["block_size"]),
        "n_ctx": int(args["block_size"]),
        "n_embd": c,
        "n_layer": layers,
        "n_head": int(args["n_head"]),
        "activation_function": "gelu",
        "layer_norm_epsilon": 1e-5,
        "tie_word_embeddings": True,
        "bos_token_id": None,
        "eos_token_id": None,
    }
    return out, config


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        print("usage: python scale/convert_nanogpt.py ckpt.pt OUT_DIR", file=sys.stderr)
        return 2
    src, out_dir = argv
    import torch
    from safetensors.torch import save_file

    try:
        ckpt = torch.load(src, map_location="cpu", weights_only=False)
    except Exception as e:  # noqa: BLE001 - any unreadable file gets one line naming it
        print(f"convert_nanogpt.py: {src}: not a readable PyTorch checkpoint ({e})", file=sys.stderr)
        return 1
    if not isinstance(ckpt, dict) or "model" not in ckpt or "model_args" not in ckpt:
        print(f"convert_nanogpt.py: {src}: not a nanoGPT checkpoint (expected a dict with 'model' and 'model_args')", file=sys.stderr)
        return 1
    try:
        tensors, config = convert(ckpt["model"], ckpt["model_args"])
    except ValueError as e:
        print(f"convert_nanogpt.py: {src}: {e}", file=sys.stderr)
        return 1
    os.makedirs(out_dir, exist_ok=True)
    save_file(tensors, os.path.join(out_dir, "model.safetensors"))
    with open(os.path.join(out_dir, "config.json"), "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2)
    print(f"convert_nanogpt.py: {len(tensors)} tensors -> {out_dir}/model.safetensors and config.json; copy the model's tokenizer.json there too")
    return 0


if __name__ == "__main__":
    sys.exit(main())
